using System.Text.Json.Nodes;

namespace Caravan.AppHost.Tests.OpenApi;

/// <summary>Small OpenAPI 3.1 documents shaped as Microsoft.AspNetCore.OpenApi writes them for a service.</summary>
internal static class ServiceDocuments
{
    public static JsonObject Document(string service, JsonObject paths, JsonObject? schemas = null) => new()
    {
        ["openapi"] = "3.1.1",
        ["info"] = new JsonObject { ["title"] = $"Caravan.{service} | v1", ["version"] = "1.0.0" },
        ["servers"] = new JsonArray(new JsonObject { ["url"] = "http://localhost:5000/" }),
        ["paths"] = paths,
        ["components"] = new JsonObject { ["schemas"] = schemas ?? [] },
        ["tags"] = new JsonArray(new JsonObject { ["name"] = $"Caravan.{service}" }),
    };

    /// <summary>A path item with one GET answering 200 with <paramref name="schema"/> (a component name).</summary>
    public static JsonObject Get(string schema) => new()
    {
        ["get"] = new JsonObject
        {
            ["tags"] = new JsonArray("Caravan.Service"),
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject
                {
                    ["description"] = "OK",
                    ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref(schema) } },
                },
            },
        },
    };

    public static JsonObject Ref(string schema) => new() { ["$ref"] = $"#/components/schemas/{schema}" };

    /// <summary>An object schema whose properties are given as name → JSON Schema.</summary>
    public static JsonObject Object(params (string Name, JsonNode Schema)[] properties) => new()
    {
        ["type"] = "object",
        ["properties"] = new JsonObject(properties.Select(property => KeyValuePair.Create(property.Name, (JsonNode?)property.Schema))),
    };

    public static JsonObject Type(string type) => new() { ["type"] = type };
}
