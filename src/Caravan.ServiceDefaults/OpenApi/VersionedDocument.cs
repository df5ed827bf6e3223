using System.Globalization;
using Asp.Versioning;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Caravan.ServiceDefaults.OpenApi;

/// <summary>
/// Shapes the document of one API version: it takes only the endpoints mapped to that version, writes
/// their paths with the version filled in (<c>/api/v2/orders</c>, not <c>/api/v{version}/orders</c>,
/// and without a <c>version</c> parameter), and marks the operations of a deprecated version.
/// </summary>
internal sealed class VersionedDocument(ApiVersion version, string title) : IOpenApiDocumentTransformer
{
    private const string VersionParameter = "version";

    public static bool Includes(ApiDescription description, ApiVersion version) =>
        Metadata(description) is { } metadata && metadata.MappingTo(version) != ApiVersionMapping.None;

    public static Func<OpenApiOperation, OpenApiOperationTransformerContext, CancellationToken, Task> MarkDeprecatedAsync(ApiVersion version) =>
        (operation, context, _) =>
        {
            if (Metadata(context.Description)?.Map(ApiVersionMapping.Explicit | ApiVersionMapping.Implicit).DeprecatedApiVersions.Contains(version) == true)
            {
                operation.Deprecated = true;
            }

            return Task.CompletedTask;
        };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        document.Info ??= new OpenApiInfo();
        document.Info.Title = title;
        document.Info.Version = version.ToString();

        var segment = string.Create(CultureInfo.InvariantCulture, $"v{version.MajorVersion ?? 0}");
        var paths = new OpenApiPaths();
        foreach (var (path, item) in document.Paths ?? [])
        {
            foreach (var operation in item.Operations?.Values.ToList() ?? [])
            {
                RemoveVersionParameter(operation.Parameters);
            }

            paths[path.Replace("v{version}", segment, StringComparison.Ordinal)] = item;
        }

        document.Paths = paths;
        return Task.CompletedTask;
    }

    private static void RemoveVersionParameter(IList<IOpenApiParameter>? parameters)
    {
        var found = parameters?.FirstOrDefault(parameter => parameter.In == ParameterLocation.Path && parameter.Name == VersionParameter);
        if (found is not null)
        {
            parameters!.Remove(found);
        }
    }

    private static ApiVersionMetadata? Metadata(ApiDescription description) =>
        description.ActionDescriptor.EndpointMetadata.OfType<ApiVersionMetadata>().FirstOrDefault();
}
