using System.Net;
using System.Text.Json;
using Caravan.Inventory;
using Caravan.Notifications;
using Caravan.Orders;
using Caravan.Payments;
using Caravan.Shipping;
using Caravan.Users;

namespace Caravan.Services.Tests.OpenApi;

/// <summary>
/// Every service serves an OpenAPI document per API version at <c>/openapi/v{n}.json</c> (the paths the
/// gateway merges), holding exactly its version's canonical routes, with the version filled in.
/// </summary>
public sealed class OpenApiDocumentTests
{
    public static TheoryData<string, string[]> V1Paths => new()
    {
        { "users", ["/api/v1/users", "/api/v1/users/{id}", "/api/v1/users/{id}/orders"] },
        { "orders", ["/api/v1/orders", "/api/v1/orders/{id}", "/api/v1/sagas", "/api/v1/sagas/{id}/retry"] },
        { "inventory", ["/api/v1/products", "/api/v1/products/{sku}", "/api/v1/reservations/{orderId}"] },
        { "payments", ["/api/v1/payments", "/api/v1/payments/ledger", "/api/v1/payments/summary", "/api/v1/payments/{paymentId}"] },
        { "shipping", ["/api/v1/shipments", "/api/v1/shipments/{shipmentId}"] },
        { "notifications", ["/api/v1/notifications", "/api/v1/notifications/{id}"] },
    };

    [Theory]
    [MemberData(nameof(V1Paths))]
    public async Task Each_service_serves_its_v1_document_with_only_canonical_v1_paths(string service, string[] expected)
    {
        using var directory = new TestDirectory();
        await using var host = await StartAsync(service, directory.Path);

        using var response = await host.Client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await response.ReadJsonAsync();
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.Equal("1.0", document.GetProperty("info").GetProperty("version").GetString());
        var paths = Paths(document);
        Assert.All(expected, path => Assert.Contains(path, paths));
        Assert.All(paths, path => Assert.StartsWith("/api/v1/", path, StringComparison.Ordinal));
        Assert.DoesNotContain(Operations(document), operation => HasVersionParameter(operation));
    }

    [Theory]
    [InlineData("users")]
    [InlineData("inventory")]
    [InlineData("payments")]
    [InlineData("shipping")]
    [InlineData("notifications")]
    public async Task A_service_without_a_v2_has_no_v2_document(string service)
    {
        using var directory = new TestDirectory();
        await using var host = await StartAsync(service, directory.Path);

        using var response = await host.Client.GetAsync(new Uri("/openapi/v2.json", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Orders_v2_document_holds_only_v2_orders_and_v1_marks_orders_deprecated()
    {
        using var directory = new TestDirectory();
        await using var host = await StartAsync("orders", directory.Path);

        using var v2Response = await host.Client.GetAsync(new Uri("/openapi/v2.json", UriKind.Relative));
        using var v1Response = await host.Client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));

        var v2 = await v2Response.ReadJsonAsync();
        Assert.Equal("2.0", v2.GetProperty("info").GetProperty("version").GetString());
        Assert.Equal(["/api/v2/orders", "/api/v2/orders/{id}"], Paths(v2).Order(StringComparer.Ordinal));
        Assert.All(Operations(v2), operation => Assert.False(operation.TryGetProperty("deprecated", out var deprecated) && deprecated.GetBoolean()));
        Assert.Contains("OrderV2Response", v2.GetProperty("components").GetProperty("schemas").EnumerateObject().Select(schema => schema.Name));

        var v1 = await v1Response.ReadJsonAsync();
        var placeV1 = v1.GetProperty("paths").GetProperty("/api/v1/orders").GetProperty("post");
        Assert.True(placeV1.GetProperty("deprecated").GetBoolean());
        Assert.Equal("PlaceOrderV1", placeV1.GetProperty("operationId").GetString());
        Assert.True(placeV1.GetProperty("responses").TryGetProperty("400", out _));
        var listSagas = v1.GetProperty("paths").GetProperty("/api/v1/sagas").GetProperty("get");
        Assert.False(listSagas.TryGetProperty("deprecated", out var sagaDeprecated) && sagaDeprecated.GetBoolean());
    }

    private static List<string> Paths(JsonElement document) =>
        [.. document.GetProperty("paths").EnumerateObject().Select(path => path.Name)];

    private static IEnumerable<JsonElement> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject().SelectMany(path => path.Value.EnumerateObject()).Select(operation => operation.Value);

    private static bool HasVersionParameter(JsonElement operation) =>
        operation.TryGetProperty("parameters", out var parameters)
        && parameters.EnumerateArray().Any(parameter => parameter.GetProperty("name").GetString() == "version");

    private static Task<ServiceHost> StartAsync(string service, string directory) => service switch
    {
        "users" => ServiceHost.StartAsync(directory, builder => builder.AddUsersService(), app => app.MapUsersEndpoints()),
        "orders" => ServiceHost.StartAsync(directory, builder => builder.AddOrdersService(), app => app.MapOrdersEndpoints()),
        "inventory" => ServiceHost.StartAsync(directory, builder => builder.AddInventoryService(), app => app.MapInventoryEndpoints()),
        "payments" => ServiceHost.StartAsync(directory, builder => builder.AddPaymentsService(), app => app.MapPaymentsEndpoints()),
        "shipping" => ServiceHost.StartAsync(directory, builder => builder.AddShippingService(), app => app.MapShippingEndpoints()),
        "notifications" => ServiceHost.StartAsync(directory, builder => builder.AddNotificationsService(), app => app.MapNotificationsEndpoints()),
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, "No such service."),
    };
}
