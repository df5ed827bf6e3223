using System.Net;
using System.Text.Json.Nodes;
using Caravan.AppHost.Tests.Infrastructure;
using static Caravan.AppHost.Tests.OpenApi.ServiceDocuments;

namespace Caravan.AppHost.Tests.OpenApi;

/// <summary>The gateway's combined API documents and reference page, against stand-in services on real ports.</summary>
public sealed class GatewayOpenApiTests : IAsyncLifetime
{
    private static readonly string[] s_services = ["users", "orders", "inventory", "payments", "shipping", "notifications"];

    private readonly ManualClock _clock = new();
    private OpenApiStandIns? _standIns;
    private OpenApiGatewayHost? _gateway;

    public async Task InitializeAsync()
    {
        _standIns = await OpenApiStandIns.StartAsync(s_services);
        _standIns.Serve("users", "v1", Document("Users",
            new JsonObject { ["/api/v1/users"] = Get("User"), ["/api/v1/users/{id}"] = Get("User") },
            new JsonObject
            {
                ["User"] = Object(("id", Type("string")), ("balance", Ref("Money"))),
                ["Money"] = Type("number"),
                ["Address"] = Object(("city", Type("string"))),
            }));
        _standIns.Serve("orders", "v1", Document("Orders",
            new JsonObject
            {
                ["/api/v1/orders"] = Get("Order"),
                ["/api/v1/orders/{id}"] = Get("Order"),
                // Declared by orders, but the gateway sends /api/v1/users/** to users: not public as orders'.
                ["/api/v1/users/{id}/orders"] = Get("Order"),
                ["/health/live"] = Get("Order"),
            },
            new JsonObject
            {
                ["Order"] = Object(("total", Ref("Money")), ("shipTo", Ref("Address"))),
                ["Money"] = Type("string"),
                ["Address"] = Object(("city", Type("string"))),
            }));
        _standIns.Serve("orders", "v2", Document("Orders",
            new JsonObject { ["/api/v2/orders"] = Get("OrderV2") },
            new JsonObject { ["OrderV2"] = Object(("total", Object(("amount", Type("number")), ("currency", Type("string"))))) }));
        _standIns.Serve("inventory", "v1", Document("Inventory", new JsonObject { ["/api/v1/products"] = Get("Product") },
            new JsonObject { ["Product"] = Object(("sku", Type("string"))) }));
        _standIns.Serve("payments", "v1", Document("Payments", new JsonObject { ["/api/v1/payments/summary"] = Get("Summary") },
            new JsonObject { ["Summary"] = Object(("count", Type("integer"))) }));
        _standIns.Serve("shipping", "v1", Document("Shipping", new JsonObject { ["/api/v1/shipments"] = Get("Shipment") },
            new JsonObject { ["Shipment"] = Object(("id", Type("string"))) }));
        _standIns.Serve("notifications", "v1", Document("Notifications", new JsonObject { ["/api/v1/notifications"] = Get("Notification") },
            new JsonObject { ["Notification"] = Object(("kind", Type("string"))) }));
        _gateway = await OpenApiGatewayHost.StartAsync(_standIns.Addresses, _clock);
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_standIns is not null)
        {
            await _standIns.DisposeAsync();
        }
    }

    [Fact]
    public async Task V1Document_UnitesThePublicPathsOfEveryService()
    {
        var document = await GetDocumentAsync(_gateway!, "v1");

        Assert.Equal("Caravan public API", document["info"]!["title"]!.GetValue<string>());
        Assert.Equal("v1", document["info"]!["version"]!.GetValue<string>());
        Assert.StartsWith("3.1", document["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(
            ["/api/v1/notifications", "/api/v1/orders", "/api/v1/orders/{id}", "/api/v1/payments/summary", "/api/v1/products", "/api/v1/shipments", "/api/v1/users", "/api/v1/users/{id}"],
            document["paths"]!.AsObject().Select(path => path.Key).Order(StringComparer.Ordinal));
        Assert.Equal(s_services, document["tags"]!.AsArray().Select(tag => tag!["name"]!.GetValue<string>()));
        Assert.Equal("orders", document["paths"]!["/api/v1/orders/{id}"]!["get"]!["tags"]!.AsArray().Single()!.GetValue<string>());
        Assert.Equal(_gateway!.Address.ToString().TrimEnd('/'), document["servers"]!.AsArray().Single()!["url"]!.GetValue<string>());
        Assert.Null(document["x-caravan-missing"]);
    }

    [Fact]
    public async Task SchemaCollision_IsRenamedWithTheServicePrefix_AndItsReferencesFollow()
    {
        var document = await GetDocumentAsync(_gateway!, "v1");
        var schemas = document["components"]!["schemas"]!.AsObject();

        Assert.Equal("number", schemas["Money"]!["type"]!.GetValue<string>());
        Assert.Equal("string", schemas["Orders_Money"]!["type"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/Money", schemas["User"]!["properties"]!["balance"]!["$ref"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/Orders_Money", schemas["Order"]!["properties"]!["total"]!["$ref"]!.GetValue<string>());
        // The same Address in two services is one schema, not renamed.
        Assert.Equal("#/components/schemas/Address", schemas["Order"]!["properties"]!["shipTo"]!["$ref"]!.GetValue<string>());
        Assert.DoesNotContain(schemas, schema => schema.Key.EndsWith("_Address", StringComparison.Ordinal));
        Assert.Equal("#/components/schemas/Order", Schema(document, "/api/v1/orders")["$ref"]!.GetValue<string>());
        Assert.NotNull(schemas["ProblemDetails"]);
        Assert.Equal("application/problem+json", document["components"]!["responses"]!["Problem"]!["content"]!.AsObject().Single().Key);
    }

    [Fact]
    public async Task V2Document_HoldsOnlyTheVersion2Paths()
    {
        var document = await GetDocumentAsync(_gateway!, "v2");

        Assert.Equal("v2", document["info"]!["version"]!.GetValue<string>());
        Assert.Equal(["/api/v2/orders"], document["paths"]!.AsObject().Select(path => path.Key));
        Assert.NotNull(document["components"]!["schemas"]!["OrderV2"]);
        Assert.Null(document["components"]!["schemas"]!["Order"]);
        // Services without a v2 document answered 404: not missing, just not published.
        Assert.Null(document["x-caravan-missing"]);
    }

    [Fact]
    public async Task ServiceDown_TheOthersAreStillMerged_AndTheMissingOneIsNamed()
    {
        var addresses = _standIns!.Addresses.ToDictionary(
            service => service.Key,
            service => service.Key == "payments" ? new Uri($"http://127.0.0.1:{FreePort.Next()}") : service.Value);
        await using var gateway = await OpenApiGatewayHost.StartAsync(addresses);

        var document = await GetDocumentAsync(gateway, "v1");

        Assert.Equal(["payments"], document["x-caravan-missing"]!.AsArray().Select(service => service!.GetValue<string>()));
        Assert.Contains("payments", document["info"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(document["paths"]!.AsObject(), path => path.Key.StartsWith("/api/v1/payments", StringComparison.Ordinal));
        Assert.NotNull(document["paths"]!["/api/v1/users"]);
        Assert.NotNull(document["paths"]!["/api/v1/orders"]);
        Assert.NotNull(document["paths"]!["/api/v1/notifications"]);
    }

    [Fact]
    public async Task ServiceServingNoJsonObject_IsNamedMissing_AndTheOthersAreMerged()
    {
        _standIns!.ServeText("shipping", "v1", "<html>not a document</html>");

        var document = await GetDocumentAsync(_gateway!, "v1");

        Assert.Equal(["shipping"], document["x-caravan-missing"]!.AsArray().Select(service => service!.GetValue<string>()));
        Assert.Null(document["paths"]!["/api/v1/shipments"]);
        Assert.NotNull(document["paths"]!["/api/v1/products"]);
    }

    [Fact]
    public async Task MergedDocument_IsServedFromCache_UntilCacheForHasPassed()
    {
        await GetDocumentAsync(_gateway!, "v1");
        var asked = _standIns!.RequestsFor("users", "/openapi/v1.json");
        _standIns.Serve("users", "v1", Document("Users", new JsonObject { ["/api/v1/users/{id}/orders"] = Get("User") },
            new JsonObject { ["User"] = Object(("id", Type("string"))) }));

        var cached = await GetDocumentAsync(_gateway!, "v1");
        _clock.Advance(TimeSpan.FromSeconds(31));
        var refreshed = await GetDocumentAsync(_gateway!, "v1");

        Assert.NotNull(cached["paths"]!["/api/v1/users"]);
        Assert.Equal(asked + 1, _standIns.RequestsFor("users", "/openapi/v1.json"));
        Assert.Null(refreshed["paths"]!["/api/v1/users"]);
        Assert.NotNull(refreshed["paths"]!["/api/v1/users/{id}/orders"]);
    }

    [Fact]
    public async Task Docs_IsAnHtmlReferencePage_ForBothDocuments()
    {
        using var client = _gateway!.CreateClient();

        using var response = await client.GetAsync(new Uri("/docs", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        // Scalar writes the documents' routes relative to the application's base path, which its script prepends.
        Assert.Contains("\"openapi/v1.json\"", html, StringComparison.Ordinal);
        Assert.Contains("\"openapi/v2.json\"", html, StringComparison.Ordinal);
        using var script = await client.GetAsync(new Uri("/docs/scalar.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }

    [Fact]
    public async Task UnknownDocument_Gets404Problem_AndIsNotForwarded()
    {
        using var client = _gateway!.CreateClient();

        using var response = await client.GetAsync(new Uri("/openapi/v9.json", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.All(s_services, service => Assert.Equal(0, _standIns!.RequestsFor(service, "/openapi/v9.json")));
    }

    private static JsonNode Schema(JsonObject document, string path) =>
        document["paths"]![path]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!;

    private static async Task<JsonObject> GetDocumentAsync(OpenApiGatewayHost gateway, string name)
    {
        using var client = gateway.CreateClient();
        using var response = await client.GetAsync(new Uri($"/openapi/{name}.json", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }
}
