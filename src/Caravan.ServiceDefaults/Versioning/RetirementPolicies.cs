using Asp.Versioning;

namespace Caravan.ServiceDefaults.Versioning;

/// <summary>Turns a <see cref="RetiringVersionOptions"/> into Asp.Versioning's deprecation and sunset policies.</summary>
public static class RetirementPolicies
{
    /// <summary>
    /// Announces the retirement of <paramref name="version"/> of the API named <paramref name="resource"/>
    /// (the name given to <see cref="ApiVersioningExtensions.MapApiResource"/>): its answers carry
    /// <c>Deprecation</c> and <c>Sunset</c> headers, each with a <c>Link</c> to <see cref="RetiringVersionOptions.Link"/>.
    /// </summary>
    public static ApiVersioningOptions Retire(this ApiVersioningOptions options, string resource, ApiVersion version, RetiringVersionOptions retirement)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(retirement);
        var link = new Uri(retirement.Link, UriKind.RelativeOrAbsolute);
        if (!link.IsAbsoluteUri)
        {
            // Asp.Versioning writes a relative link under the request's path base, adding the '/' itself.
            link = new Uri(retirement.Link.TrimStart('/'), UriKind.Relative);
        }

        if (retirement.Deprecated is { } deprecated)
        {
            options.Policies.Deprecate(resource, version).Effective(deprecated)
                .Link(link).Title($"How to move off {resource} v{version}").Type("text/html");
        }

        if (retirement.Sunset is { } sunset)
        {
            options.Policies.Sunset(resource, version).Effective(sunset)
                .Link(link).Title($"How to move off {resource} v{version}").Type("text/html");
        }

        return options;
    }
}
