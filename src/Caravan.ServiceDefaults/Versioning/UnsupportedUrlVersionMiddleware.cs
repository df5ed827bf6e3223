using System.Collections.Frozen;
using Asp.Versioning;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Caravan.ServiceDefaults.Versioning;

/// <summary>
/// Asp.Versioning answers a version it does not know in the URL segment (<c>/api/v9/orders</c>) with
/// 404, on the grounds that such a URL names no resource. Caravan answers it like an unknown version in
/// the header or query string: 400 with an <c>UNSUPPORTED_API_VERSION</c> problem and the resource's
/// versions in <c>api-supported-versions</c>. It acts only when routing found no endpoint, the path is
/// <c>/api/v{version}/{resource}/...</c>, the version parses, and <c>{resource}</c> exists in other
/// versions; a resource that exists in no version stays a 404.
/// </summary>
internal sealed class UnsupportedUrlVersionMiddleware(RequestDelegate next, EndpointDataSource endpoints, IApiVersionParser parser, IProblemDetailsService problems)
{
    private FrozenDictionary<string, ApiVersionModel>? _resources;

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint() is not null
            || Parse(context.Request.Path) is not var (rawVersion, resource)
            || !parser.TryParse(rawVersion, out var version)
            || !Resources().TryGetValue(resource, out var model)
            || model.SupportedApiVersions.Contains(version)
            || model.DeprecatedApiVersions.Contains(version))
        {
            await next(context);
            return;
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status400BadRequest;
        response.Headers["api-supported-versions"] = string.Join(", ", model.SupportedApiVersions);
        if (model.DeprecatedApiVersions.Count > 0)
        {
            response.Headers["api-deprecated-versions"] = string.Join(", ", model.DeprecatedApiVersions);
        }

        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Type = ProblemDetailsDefaults.Unsupported.Type,
                Title = ProblemDetailsDefaults.Unsupported.Title,
                Status = StatusCodes.Status400BadRequest,
                Detail = $"The resource '{resource}' does not support API version '{rawVersion}'.",
            },
        });
    }

    /// <summary>The version segment and the resource of <c>/api/v{version}/{resource}[/...]</c>.</summary>
    private static (string Version, string Resource)? Parse(PathString path)
    {
        var segments = (path.Value ?? string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments is ["api", [ 'v' or 'V', .. var version ], var resource, ..] && version.Length > 0 ? (version, resource) : null;
    }

    /// <summary>Each versioned resource with the versions it is served in, read once from the mapped endpoints.</summary>
    private FrozenDictionary<string, ApiVersionModel> Resources() => _resources ??= endpoints.Endpoints
        .OfType<RouteEndpoint>()
        .Where(endpoint => endpoint.Metadata.Contains(VersionlessRouteSource.Mirror))
        .Select(endpoint => (Resource: ResourceOf(endpoint.RoutePattern), Metadata: endpoint.Metadata.GetMetadata<ApiVersionMetadata>()))
        .Where(entry => entry.Resource is not null && entry.Metadata is not null)
        .GroupBy(entry => entry.Resource!, StringComparer.OrdinalIgnoreCase)
        .ToFrozenDictionary(
            group => group.Key,
            group => group.Select(entry => entry.Metadata!.Map(ApiVersionMapping.Explicit | ApiVersionMapping.Implicit)).Aggregate(),
            StringComparer.OrdinalIgnoreCase);

    private static string? ResourceOf(RoutePattern pattern) =>
        pattern.PathSegments is [_, _, { Parts: [RoutePatternLiteralPart literal] }, ..] ? literal.Content : null;
}
