using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Caravan.Gateway.OpenApi;
using Scalar.AspNetCore;

namespace Caravan.Gateway;

/// <summary>
/// The gateway's API documents: <c>GET /openapi/{v1|v2}.json</c>, the merge of the services' own documents
/// of that version (see <see cref="OpenApiDocumentMerger"/>), and the Scalar API reference at <c>/docs</c>
/// showing them. These are the gateway's own endpoints, never forwarded to a service.
/// </summary>
public static class OpenApiDocsExtensions
{
    /// <summary>The documents the gateway publishes; the first is the one <c>/docs</c> opens on.</summary>
    public static IReadOnlyList<string> DocumentNames { get; } = ["v1", "v2"];

    // Served as application/json, never inside HTML, so "+" and "<" need no escaping ("application/problem+json").
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IHostApplicationBuilder AddCaravanOpenApiDocs(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<OpenApiDocsOptions>()
            .BindConfiguration(OpenApiDocsOptions.Section)
            .Validate(options => options.CacheFor >= TimeSpan.Zero && options.FetchTimeout > TimeSpan.Zero,
                $"{OpenApiDocsOptions.Section}: CacheFor must not be negative and FetchTimeout must be positive.")
            .ValidateOnStart();
        builder.Services.AddHttpClient(ServiceDocumentClient.HttpClientName);
        builder.Services.AddSingleton<ServiceDocumentClient>();
        builder.Services.AddSingleton<MergedDocumentCache>();
        return builder;
    }

    public static WebApplication MapCaravanOpenApiDocs(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/openapi/{documentName}.json", ServeDocumentAsync).ExcludeFromDescription();
        app.MapScalarApiReference("/docs", options =>
        {
            options.WithTitle(OpenApiDocumentMerger.Title);
            foreach (var name in DocumentNames)
            {
                options.AddDocument(name, $"{OpenApiDocumentMerger.Title} {name}", $"/openapi/{name}.json", isDefault: name == DocumentNames[0]);
            }
        });
        return app;
    }

    private static async Task<IResult> ServeDocumentAsync(string documentName, HttpRequest request, MergedDocumentCache documents)
    {
        if (!DocumentNames.Contains(documentName, StringComparer.Ordinal))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "No such API document.",
                detail: $"The gateway publishes {string.Join(", ", DocumentNames.Select(name => $"/openapi/{name}.json"))}.");
        }

        var document = (await documents.GetAsync(documentName, request.HttpContext.RequestAborted)).DeepClone().AsObject();
        document["servers"] = new JsonArray(new JsonObject { ["url"] = $"{request.Scheme}://{request.Host}{request.PathBase}" });
        return TypedResults.Text(document.ToJsonString(s_indented), "application/json", Encoding.UTF8);
    }
}
