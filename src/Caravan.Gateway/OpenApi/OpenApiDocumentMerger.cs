using System.Text.Json.Nodes;

namespace Caravan.Gateway.OpenApi;

/// <summary>
/// Merges the services' OpenAPI 3.1 documents of one version into the public API's document. Works on JSON
/// nodes, so whatever a service writes (keywords, examples, extensions) passes through untouched; only
/// three things are changed: component names that collide with different content (see
/// <see cref="MergedComponents"/>), operation tags (one per service), and which paths are kept — those under
/// <c>/api/</c> that the gateway forwards to the service that declares them. A path two services both
/// declare keeps the first one's operations and gains the other's methods it lacks.
/// </summary>
internal static class OpenApiDocumentMerger
{
    public const string Title = "Caravan public API";
    public const string MissingExtension = "x-caravan-missing";

    private const string Description =
        "The public API of Caravan. The gateway forwards every path unchanged to the service that owns it "
        + "(its tag). Every error is an RFC 9457 problem (application/problem+json), from the services and from "
        + "the gateway itself: 404 for an unknown path, 502/503/504 when a service is down or slow.";

    private static readonly string[] s_operations = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    /// <param name="documentName">The version's document name (<c>v1</c>).</param>
    /// <param name="documents">What each service answered, in the order the gateway's routes name them.</param>
    /// <param name="forwards">Whether the gateway forwards a path (second argument) to a service (first).</param>
    public static JsonObject Merge(string documentName, IReadOnlyList<ServiceDocument> documents, Func<string, string, bool> forwards)
    {
        var paths = new JsonObject();
        var components = new MergedComponents();
        var tags = new JsonArray();
        foreach (var (service, document) in documents
                     .Where(document => document is { Outcome: ServiceDocumentOutcome.Found, Document: not null })
                     .Select(document => (document.Service, document.Document!.DeepClone().AsObject())))
        {
            var renamed = components.Add(service, document["components"] as JsonObject);
            var servicePaths = document["paths"] as JsonObject ?? [];
            ComponentReferences.Rewrite(servicePaths, renamed);
            foreach (var (path, item) in servicePaths.Where(path => path.Value is JsonObject && forwards(service, path.Key)).ToList())
            {
                AddPath(paths, path, Tagged(item!.DeepClone().AsObject(), service));
            }

            tags.Add(new JsonObject
            {
                ["name"] = service,
                ["description"] = (document["info"]?["description"] ?? document["info"]?["title"])?.DeepClone(),
            });
        }

        components.AddIfAbsent("schemas", ProblemDetailsSchema.Name, ProblemDetailsSchema.Schema());
        components.AddIfAbsent("responses", ProblemDetailsSchema.ResponseName, ProblemDetailsSchema.Response());
        var missing = documents.Where(document => document.Outcome == ServiceDocumentOutcome.Unavailable).Select(document => document.Service).ToList();

        var merged = new JsonObject
        {
            ["openapi"] = "3.1.1",
            ["info"] = new JsonObject
            {
                ["title"] = Title,
                ["version"] = documentName,
                ["description"] = missing.Count == 0 ? Description : $"{Description}\n\n**Incomplete:** the documents of {string.Join(", ", missing)} could not be fetched, so their paths are missing here ({MissingExtension}).",
            },
            ["servers"] = new JsonArray(),
            ["paths"] = paths,
            ["components"] = components.Components,
            ["tags"] = tags,
        };
        if (missing.Count > 0)
        {
            merged[MissingExtension] = new JsonArray([.. missing.Select(service => JsonValue.Create(service))]);
        }

        return merged;
    }

    private static void AddPath(JsonObject paths, string path, JsonObject item)
    {
        if (paths[path] is not JsonObject existing)
        {
            paths[path] = item;
            return;
        }

        foreach (var method in s_operations.Where(method => item[method] is not null && existing[method] is null))
        {
            existing[method] = item[method]!.DeepClone();
        }
    }

    private static JsonObject Tagged(JsonObject item, string service)
    {
        foreach (var operation in s_operations.Select(method => item[method]).OfType<JsonObject>())
        {
            operation["tags"] = new JsonArray(service);
        }

        return item;
    }
}
