using System.Text.Json.Nodes;
using Caravan.Gateway.OpenApi;
using static Caravan.AppHost.Tests.OpenApi.ServiceDocuments;

namespace Caravan.AppHost.Tests.OpenApi;

/// <summary>The merge itself, on documents in memory.</summary>
public sealed class OpenApiDocumentMergerTests
{
    private static readonly Func<string, string, bool> s_everyApiPath = (_, path) => path.StartsWith("/api/", StringComparison.Ordinal);

    [Fact]
    public void Merge_SchemaThatOnlyReferencesARenamedSchema_IsRenamedToo()
    {
        // Both services' Order read the same, but each one's Money is different, so the Orders differ as well.
        var users = Found("users", Document("Users", new JsonObject { ["/api/v1/a"] = Get("Order") },
            new JsonObject { ["Order"] = Object(("total", Ref("Money"))), ["Money"] = Type("number") }));
        var orders = Found("orders", Document("Orders", new JsonObject { ["/api/v1/b"] = Get("Order") },
            new JsonObject { ["Order"] = Object(("total", Ref("Money"))), ["Money"] = Type("string") }));

        var merged = OpenApiDocumentMerger.Merge("v1", [users, orders], s_everyApiPath);
        var schemas = merged["components"]!["schemas"]!;

        Assert.Equal("#/components/schemas/Orders_Money", schemas["Orders_Order"]!["properties"]!["total"]!["$ref"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/Money", schemas["Order"]!["properties"]!["total"]!["$ref"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/Orders_Order", ResponseRef(merged, "/api/v1/b"));
        Assert.Equal("#/components/schemas/Order", ResponseRef(merged, "/api/v1/a"));
    }

    [Fact]
    public void Merge_RewritesDiscriminatorMappingsAndReferencesIntoARenamedSchema()
    {
        var users = Found("users", Document("Users", [], new JsonObject { ["Pet"] = Type("object"), ["Cat"] = Type("string") }));
        var pet = Object(("name", new JsonObject { ["$ref"] = "#/components/schemas/Cat/properties/name" }));
        pet["discriminator"] = new JsonObject { ["propertyName"] = "kind", ["mapping"] = new JsonObject { ["cat"] = "#/components/schemas/Cat" } };
        var orders = Found("orders", Document("Orders", [], new JsonObject { ["Pet"] = pet, ["Cat"] = Object(("name", Type("string"))) }));

        var schemas = OpenApiDocumentMerger.Merge("v1", [users, orders], s_everyApiPath)["components"]!["schemas"]!;

        Assert.Equal("#/components/schemas/Orders_Cat", schemas["Orders_Pet"]!["discriminator"]!["mapping"]!["cat"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/Orders_Cat/properties/name", schemas["Orders_Pet"]!["properties"]!["name"]!["$ref"]!.GetValue<string>());
    }

    [Fact]
    public void Merge_PrefixedNameAlreadyTaken_GetsACounter()
    {
        var users = Found("users", Document("Users", [], new JsonObject { ["Money"] = Type("number"), ["Orders_Money"] = Type("boolean") }));
        var orders = Found("orders", Document("Orders", [], new JsonObject { ["Money"] = Type("string") }));

        var schemas = OpenApiDocumentMerger.Merge("v1", [users, orders], s_everyApiPath)["components"]!["schemas"]!;

        Assert.Equal("boolean", schemas["Orders_Money"]!["type"]!.GetValue<string>());
        Assert.Equal("string", schemas["Orders_Money2"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public void Merge_ProblemDetails_IsOneSchema_NeverRenamed()
    {
        var users = Found("users", Document("Users", [], new JsonObject { ["ProblemDetails"] = Object(("title", Type("string"))) }));
        var orders = Found("orders", Document("Orders", [], new JsonObject { ["ProblemDetails"] = Object(("title", Type("string")), ("code", Type("string"))) }));

        var schemas = OpenApiDocumentMerger.Merge("v1", [users, orders], s_everyApiPath)["components"]!["schemas"]!.AsObject();

        Assert.Single(schemas, schema => schema.Key.Contains("ProblemDetails", StringComparison.Ordinal));
        Assert.Null(schemas["ProblemDetails"]!["properties"]!["code"]);
    }

    [Fact]
    public void Merge_NoServiceProblemDetails_AddsTheRfc9457One()
    {
        var merged = OpenApiDocumentMerger.Merge("v1", [Found("users", Document("Users", []))], s_everyApiPath);

        var problem = merged["components"]!["schemas"]!["ProblemDetails"]!["properties"]!.AsObject();
        Assert.Equal(["type", "title", "status", "detail", "instance"], problem.Select(property => property.Key));
    }

    [Fact]
    public void Merge_KeepsOnlyForwardedPaths_AndNamesOnlyUnavailableServicesAsMissing()
    {
        var users = Found("users", Document("Users", new JsonObject { ["/api/v1/users"] = Get("User"), ["/api/v1/orders"] = Get("User"), ["/internal"] = Get("User") }));
        ServiceDocument[] documents = [users, new("orders", ServiceDocumentOutcome.NotPublished), new("payments", ServiceDocumentOutcome.Unavailable)];

        var merged = OpenApiDocumentMerger.Merge("v1", documents, (service, path) => service == "users" && path.StartsWith("/api/v1/users", StringComparison.Ordinal));

        Assert.Equal(["/api/v1/users"], merged["paths"]!.AsObject().Select(path => path.Key));
        Assert.Equal(["payments"], merged["x-caravan-missing"]!.AsArray().Select(service => service!.GetValue<string>()));
        Assert.Equal(["users"], merged["tags"]!.AsArray().Select(tag => tag!["name"]!.GetValue<string>()));
    }

    private static ServiceDocument Found(string service, JsonObject document) => new(service, ServiceDocumentOutcome.Found, document);

    private static string ResponseRef(JsonObject document, string path) =>
        document["paths"]![path]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>();
}
