using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Caravan.Inventory;
using Caravan.Services.Tests.Orders;

namespace Caravan.Services.Tests.Versioning;

/// <summary>
/// Orders v1 and v2 side by side on one order, priced for real by Inventory (Payments is absent, so the
/// order waits priced at <c>process_payment</c>): v1 keeps bare decimals, v2 shows money as
/// <c>{ amount, currency }</c> and adds each line's total.
/// </summary>
public sealed class OrderV2Tests : IAsyncLifetime
{
    private readonly TestDirectory _directory = new();
    private ServiceHost _inventory = null!;
    private ServiceHost _orders = null!;

    public async Task InitializeAsync()
    {
        _inventory = await ServiceHost.StartAsync(_directory.Path, builder => builder.AddInventoryService(), app => app.MapInventoryEndpoints());
        _orders = await OrdersHost.StartAsync(_directory.Path);
        using var product = await _inventory.Client.PostAsJsonAsync("/api/v1/products", new { sku = "V2-LAMP", name = "Lamp", price = 12.34m, stock = 10 });
        Assert.Equal(HttpStatusCode.Created, product.StatusCode);
    }

    public async Task DisposeAsync()
    {
        await _orders.DisposeAsync();
        await _inventory.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task The_same_order_reads_with_decimals_in_v1_and_money_objects_in_v2()
    {
        var id = await PlaceV2Async("side-by-side");
        var v2 = await WaitForPricedAsync($"/api/v2/orders/{id}");
        using var v1Response = await _orders.Client.GetAsync(new Uri($"/api/v1/orders/{id}", UriKind.Relative));
        var v1 = await v1Response.ReadJsonAsync();

        Assert.Equal(24.68m, v1.GetProperty("total").GetDecimal());
        Assert.Equal(12.34m, v1.GetProperty("items")[0].GetProperty("unitPrice").GetDecimal());
        Assert.False(v1.GetProperty("items")[0].TryGetProperty("lineTotal", out _));

        AssertMoney(v2.GetProperty("total"), 24.68m);
        var item = v2.GetProperty("items")[0];
        Assert.Equal("V2-LAMP", item.GetProperty("sku").GetString());
        Assert.Equal(2, item.GetProperty("quantity").GetInt32());
        AssertMoney(item.GetProperty("unitPrice"), 12.34m);
        AssertMoney(item.GetProperty("lineTotal"), 24.68m);

        foreach (var property in new[] { "id", "userId", "status", "reason", "createdAt" })
        {
            Assert.Equal(v1.GetProperty(property).ToString(), v2.GetProperty(property).ToString());
        }

        Assert.Equal(v1.GetProperty("shippingAddress").ToString(), v2.GetProperty("shippingAddress").ToString());
        Assert.Equal(v1.GetProperty("steps").ToString(), v2.GetProperty("steps").ToString());
    }

    [Fact]
    public async Task Placing_through_v2_answers_in_v2_and_a_replay_keeps_the_v2_shape()
    {
        using var first = await _orders.Client.SendAsync(Post("/api/v2/orders", "v2-replay"));
        using var replay = await _orders.Client.SendAsync(Post("/api/v2/orders", "v2-replay"));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var placed = await first.ReadJsonAsync();
        var id = placed.GetProperty("id").GetGuid();
        Assert.Equal($"/api/v2/orders/{id}", first.Headers.Location?.OriginalString);
        Assert.Equal(JsonValueKind.Null, placed.GetProperty("total").ValueKind);
        Assert.Equal(JsonValueKind.Null, placed.GetProperty("items")[0].GetProperty("unitPrice").ValueKind);

        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal($"/api/v2/orders/{id}", replay.Headers.Location?.OriginalString);
        Assert.Equal(id, (await replay.ReadJsonAsync()).GetProperty("id").GetGuid());

        using var throughV1 = await _orders.Client.SendAsync(Post("/api/v1/orders", "v2-replay"));
        Assert.Equal($"/api/v1/orders/{id}", throughV1.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task The_v2_list_pages_orders_in_the_v2_shape_and_keeps_the_v1_filters()
    {
        var id = await PlaceV2Async("listed");

        using var list = await _orders.Client.GetAsync(new Uri("/api/v2/orders?status=Pending&limit=5", UriKind.Relative));
        using var badFilter = await _orders.Client.GetAsync(new Uri("/api/v2/orders?status=Lost", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var page = await list.ReadJsonAsync();
        Assert.Equal(1, page.GetProperty("pagination").GetProperty("total").GetInt32());
        Assert.Equal(5, page.GetProperty("pagination").GetProperty("limit").GetInt32());
        var order = page.GetProperty("data")[0];
        Assert.Equal(id, order.GetProperty("id").GetGuid());
        var item = order.GetProperty("items")[0];
        Assert.Equal("V2-LAMP", item.GetProperty("sku").GetString());
        Assert.True(item.TryGetProperty("lineTotal", out _));

        // As in v1, a list reads no saga: a pending order's total shows once it is confirmed.
        Assert.Equal(JsonValueKind.Null, order.GetProperty("total").ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, badFilter.StatusCode);
        Assert.True((await badFilter.ReadJsonAsync()).GetProperty("errors").TryGetProperty("status", out _));
    }

    [Fact]
    public async Task An_unknown_order_is_a_404_problem_in_v2_too()
    {
        using var response = await _orders.Client.GetAsync(new Uri($"/api/v2/orders/{Guid.NewGuid()}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static void AssertMoney(JsonElement money, decimal amount)
    {
        Assert.Equal(amount, money.GetProperty("amount").GetDecimal());
        Assert.Equal("EUR", money.GetProperty("currency").GetString());
    }

    private static HttpRequestMessage Post(string path, string key)
    {
        var body = OrdersHost.Order(Guid.Parse("5f0c6d1e-0000-4000-8000-000000000001"), items: [("V2-LAMP", 2)]);
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    private async Task<Guid> PlaceV2Async(string key)
    {
        using var response = await _orders.Client.SendAsync(Post("/api/v2/orders", key));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.ReadJsonAsync()).GetProperty("id").GetGuid();
    }

    private async Task<JsonElement> WaitForPricedAsync(string path)
    {
        JsonElement order = default;
        await Eventually.HoldsAsync(
            async () =>
            {
                using var response = await _orders.Client.GetAsync(new Uri(path, UriKind.Relative));
                order = await response.ReadJsonAsync();
                return order.GetProperty("total").ValueKind == JsonValueKind.Object;
            },
            "Inventory prices the order");
        return order;
    }
}
