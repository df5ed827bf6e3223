using System.Globalization;
using Asp.Versioning;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Caravan.ServiceDefaults.OpenApi;

/// <summary>
/// One OpenAPI document per API version of a service (Microsoft.AspNetCore.OpenApi), each holding only
/// the endpoints of its version, served at <c>/openapi/v1.json</c>, <c>/openapi/v2.json</c>, ... — the
/// paths the gateway fetches to build the combined document. A version the service lacks answers 404.
/// </summary>
public static class OpenApiExtensions
{
    /// <summary>Where the documents are served; <c>{documentName}</c> is <c>v</c> and the major version.</summary>
    public const string DocumentRoute = "/openapi/{documentName}.json";

    /// <summary>The name of the document of <paramref name="version"/>: <c>v1</c> for 1.0.</summary>
    public static string DocumentName(ApiVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        return string.Create(CultureInfo.InvariantCulture, $"v{version.MajorVersion ?? 0}");
    }

    internal static void AddCaravanOpenApi(this IHostApplicationBuilder builder, IEnumerable<ApiVersion> versions)
    {
        var title = $"{builder.Environment.ApplicationName} API";
        foreach (var version in versions)
        {
            builder.Services.AddOpenApi(DocumentName(version), options =>
            {
                options.ShouldInclude = description => VersionedDocument.Includes(description, version);
                options.AddDocumentTransformer(new VersionedDocument(version, title));
                options.AddOperationTransformer(VersionedDocument.MarkDeprecatedAsync(version));
            });
        }
    }

    internal static void MapCaravanOpenApiDocuments(this IEndpointRouteBuilder app) => app.MapOpenApi(DocumentRoute);
}
