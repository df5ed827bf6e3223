using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Primitives;

namespace Caravan.ServiceDefaults.Versioning;

/// <summary>
/// Serves each endpoint of a versioned group (<c>/api/v{version:apiVersion}/orders/{id}</c>) a second
/// time without its version segment (<c>/api/orders/{id}</c>), with the same handler and metadata, so
/// Asp.Versioning picks the version from the header or query string there. The twins carry no endpoint
/// name, generate no links and stay out of the OpenAPI documents: the URL-segment route is the canonical one.
/// </summary>
internal sealed class VersionlessRouteSource(ICollection<EndpointDataSource> sources) : EndpointDataSource
{
    /// <summary>The metadata that marks a group's endpoints for mirroring.</summary>
    public static readonly object Mirror = new MirrorMarker();

    public override IReadOnlyList<Endpoint> Endpoints =>
        [.. Others().SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()
            .Where(endpoint => endpoint.Metadata.Contains(Mirror))
            .Select(Twin)
            .OfType<Endpoint>()];

    public override IChangeToken GetChangeToken() =>
        new CompositeChangeToken([.. Others().Select(source => source.GetChangeToken())]);

    private List<EndpointDataSource> Others() => sources.Where(source => !ReferenceEquals(source, this)).ToList();

    private static RouteEndpoint? Twin(RouteEndpoint endpoint)
    {
        var segments = endpoint.RoutePattern.PathSegments.Where(segment => !IsVersionSegment(segment)).ToList();
        if (segments.Count == endpoint.RoutePattern.PathSegments.Count || endpoint.RequestDelegate is null)
        {
            return null;
        }

        var metadata = endpoint.Metadata
            .Where(item => item is not IEndpointNameMetadata and not IRouteDiagnosticsMetadata && !ReferenceEquals(item, Mirror))
            .Append(new ExcludeFromDescriptionAttribute())
            .Append(new SuppressLinkGenerationMetadata());
        var pattern = RoutePatternFactory.Pattern(segments);
        return new RouteEndpoint(
            endpoint.RequestDelegate,
            pattern,
            endpoint.Order,
            new EndpointMetadataCollection(metadata),
            $"{endpoint.DisplayName} (versionless)");
    }

    /// <summary>The segment <c>v{version:apiVersion}</c>: the literal <c>v</c> and a parameter constrained to an API version.</summary>
    private static bool IsVersionSegment(RoutePatternPathSegment segment) =>
        segment.Parts is [RoutePatternLiteralPart { Content: "v" }, RoutePatternParameterPart parameter]
        && parameter.ParameterPolicies.Any(policy => string.Equals(policy.Content, "apiVersion", StringComparison.Ordinal));

    private sealed class MirrorMarker;
}
