using System.Net;
using System.Net.Http.Json;
using Caravan.Inventory;
using Caravan.Notifications;
using Caravan.Payments;
using Caravan.Services.Tests.Orders;
using Caravan.Shipping;

namespace Caravan.Services.Tests.Conventions;

/// <summary>
/// Each of the six services answers a bad request and an unknown id in the one problem shape, and
/// each of its list endpoints sends the Link header.
/// </summary>
public sealed class ServiceErrorShapeTests : IDisposable
{
    private readonly TestDirectory _directory = new();

    public static TheoryData<string, string, string> BadRequests => new()
    {
        { "users", "/api/v1/users?page=0", "page" },
        { "orders", "/api/v1/orders?status=Lost", "status" },
        { "inventory", "/api/v1/products?limit=101", "limit" },
        { "payments", "/api/v1/payments?orderId=not-a-guid", "orderId" },
        { "shipping", "/api/v1/shipments?orderId=not-a-guid", "orderId" },
        { "notifications", "/api/v1/notifications?kind=Telegram", "kind" },
    };

    public static TheoryData<string, string> UnknownIds => new()
    {
        { "users", $"/api/v1/users/{Guid.NewGuid()}" },
        { "users", "/api/v1/users/not-a-guid" },
        { "orders", $"/api/v1/orders/{Guid.NewGuid()}" },
        { "orders", $"/api/v1/sagas/{Guid.NewGuid()}" },
        { "inventory", "/api/v1/products/NO-SUCH-SKU" },
        { "inventory", $"/api/v1/reservations/{Guid.NewGuid()}" },
        { "payments", $"/api/v1/payments/{Guid.NewGuid()}" },
        { "payments", "/api/v1/payments/not-a-guid" },
        { "shipping", $"/api/v1/shipments/{Guid.NewGuid()}" },
        { "notifications", $"/api/v1/notifications/{Guid.NewGuid()}" },
    };

    public static TheoryData<string, string> Lists => new()
    {
        { "users", "/api/v1/users" },
        { "orders", "/api/v1/orders" },
        { "inventory", "/api/v1/products" },
        { "payments", "/api/v1/payments" },
        { "payments", "/api/v1/payments/ledger" },
        { "shipping", "/api/v1/shipments" },
        { "notifications", "/api/v1/notifications" },
    };

    public void Dispose() => _directory.Dispose();

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task ABadQuery_IsAValidationErrorNamingTheField(string service, string path, string field)
    {
        await using var host = await StartAsync(service);

        using var response = await host.Client.GetAsync(path);

        await ProblemAssert.ShapeAsync(response, HttpStatusCode.BadRequest, "VALIDATION_ERROR", field);
    }

    [Theory]
    [MemberData(nameof(UnknownIds))]
    public async Task AnUnknownId_IsNotFound(string service, string path)
    {
        await using var host = await StartAsync(service);

        using var response = await host.Client.GetAsync(path);

        await ProblemAssert.ShapeAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Theory]
    [MemberData(nameof(Lists))]
    public async Task AList_SendsTheLinkHeader(string service, string path)
    {
        await using var host = await StartAsync(service);

        using var response = await host.Client.GetAsync($"{path}?limit=1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var links = PaginationTests.Links(response);
        Assert.Equal($"{path}?page=1&limit=1", links["first"]);
        Assert.True(links.ContainsKey("last"));
    }

    [Fact]
    public async Task Users_ATakenEmail_Is409EmailTaken()
    {
        await using var host = await StartAsync("users");
        using var first = await host.Client.PostAsJsonAsync("/api/v1/users", new { name = "Ada", email = "ada@example.com" });

        using var second = await host.Client.PostAsJsonAsync("/api/v1/users", new { name = "Ada", email = "ADA@example.com" });

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        await ProblemAssert.ShapeAsync(second, HttpStatusCode.Conflict, "EMAIL_TAKEN");
    }

    [Fact]
    public async Task Users_AnInvalidBody_NamesEachField()
    {
        await using var host = await StartAsync("users");

        using var response = await host.Client.PostAsJsonAsync("/api/v1/users", new { name = "", email = "nope" });

        await ProblemAssert.ShapeAsync(response, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "email", "name");
    }

    [Fact]
    public async Task Inventory_ATakenSku_Is409SkuTaken()
    {
        await using var host = await StartAsync("inventory");
        var product = new { sku = "SHAPE-1", name = "Shape", price = 1.50m, stock = 3 };
        using var first = await host.Client.PostAsJsonAsync("/api/v1/products", product);

        using var second = await host.Client.PostAsJsonAsync("/api/v1/products", product);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        await ProblemAssert.ShapeAsync(second, HttpStatusCode.Conflict, "SKU_TAKEN");
    }

    [Fact]
    public async Task Orders_AReusedIdempotencyKey_Is422IdempotencyKeyReused_NamingTheHeader()
    {
        await using var host = await StartAsync("orders");
        using var first = await host.Client.SendAsync(OrdersHost.Post(OrdersHost.Order(), "same-key"));

        using var second = await host.Client.SendAsync(OrdersHost.Post(OrdersHost.Order(), "same-key"));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        await ProblemAssert.ShapeAsync(second, HttpStatusCode.UnprocessableEntity, "IDEMPOTENCY_KEY_REUSED", "Idempotency-Key");
    }

    [Theory]
    [InlineData("users", "/api/v1/users")]
    [InlineData("orders", "/api/v1/orders")]
    [InlineData("inventory", "/api/v1/products")]
    public async Task AJsonEndpoint_CalledWithAnotherContentType_Is415(string service, string path)
    {
        await using var host = await StartAsync(service);
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent("name=Ada", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.Add("Idempotency-Key", "form-1");

        using var response = await host.Client.SendAsync(request);

        await ProblemAssert.ShapeAsync(response, HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE");
    }

    private Task<ServiceHost> StartAsync(string service) => service switch
    {
        "users" => Users.UsersHost.StartAsync(_directory),
        "orders" => OrdersHost.StartAsync(_directory.Path),
        "inventory" => ServiceHost.StartAsync(_directory.Path, builder => builder.AddInventoryService(), app => app.MapInventoryEndpoints()),
        "payments" => ServiceHost.StartAsync(_directory.Path, builder => builder.AddPaymentsService(), app => app.MapPaymentsEndpoints()),
        "shipping" => ServiceHost.StartAsync(_directory.Path, builder => builder.AddShippingService(), app => app.MapShippingEndpoints()),
        "notifications" => ServiceHost.StartAsync(_directory.Path, builder => builder.AddNotificationsService(), app => app.MapNotificationsEndpoints()),
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, "no such service"),
    };
}
