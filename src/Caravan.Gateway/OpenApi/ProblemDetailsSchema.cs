using System.Text.Json.Nodes;

namespace Caravan.Gateway.OpenApi;

/// <summary>
/// The one problem-details schema and response of the merged document. Every error of the public API is an
/// RFC 9457 problem (application/problem+json), whether a service or the gateway itself (unknown path,
/// service down or slow) answers; the services' own <c>ProblemDetails</c> schema is used when they publish
/// one, this RFC 9457 base otherwise.
/// </summary>
internal static class ProblemDetailsSchema
{
    public const string Name = "ProblemDetails";
    public const string ResponseName = "Problem";
    public const string MediaType = "application/problem+json";

    public static JsonObject Schema() => new()
    {
        ["type"] = "object",
        ["description"] = "An RFC 9457 problem; members beyond these may carry more detail.",
        ["properties"] = new JsonObject
        {
            ["type"] = Property("string", "A URI reference identifying the problem type."),
            ["title"] = Property("string", "A short summary of the problem type."),
            ["status"] = Property("integer", "The HTTP status code."),
            ["detail"] = Property("string", "What went wrong in this occurrence."),
            ["instance"] = Property("string", "The request path this occurrence is about."),
        },
    };

    public static JsonObject Response() => new()
    {
        ["description"] = "An error, as RFC 9457 problem details.",
        ["content"] = new JsonObject
        {
            [MediaType] = new JsonObject
            {
                ["schema"] = new JsonObject { ["$ref"] = ComponentReferences.Pointer("schemas", Name) },
            },
        },
    };

    private static JsonObject Property(string type, string description) => new()
    {
        ["type"] = new JsonArray(type, "null"),
        ["description"] = description,
    };
}
