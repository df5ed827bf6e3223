using Caravan.Orders;
using Microsoft.AspNetCore.Builder;

namespace Caravan.Services.Tests.Orders;

internal static class OrdersHost
{
    public static Task<ServiceHost> StartAsync(
        string dataDirectory, bool verifyUsers = false, Action<WebApplicationBuilder>? configure = null, ServiceStorage? storage = null) =>
        ServiceHost.StartAsync(
            dataDirectory,
            builder => builder.AddOrdersService(),
            app => app.MapOrdersEndpoints(),
            builder =>
            {
                builder.Configuration["Caravan:Orders:VerifyUsers"] = verifyUsers ? "true" : "false";
                configure?.Invoke(builder);
            },
            storage);

    public static object Order(Guid? userId = null, string card = "4242424242424242", string country = "DE", params (string Sku, int Quantity)[] items) => new
    {
        userId = (userId ?? Guid.NewGuid()).ToString(),
        items = (items.Length == 0 ? [("SKU-1", 2)] : items).Select(item => new { sku = item.Sku, quantity = item.Quantity }).ToArray(),
        payment = new { cardNumber = card },
        shippingAddress = new { line1 = "1 Main St", city = "Berlin", postalCode = "10115", country },
    };

    public static HttpRequestMessage Post(object body, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/orders") { Content = System.Net.Http.Json.JsonContent.Create(body) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return request;
    }
}
