using Microsoft.AspNetCore.Routing.Template;
using Yarp.ReverseProxy.Configuration;

namespace Caravan.Gateway.OpenApi;

/// <summary>
/// A snapshot of what the gateway forwards, read from the live YARP configuration: which services it
/// reaches (the hosts of its clusters' destinations, <c>http://orders</c> → <c>orders</c>) and which
/// public paths each of them is sent. A path that a service declares in its document but that the
/// gateway would not route to that service is not part of the public API.
/// </summary>
internal sealed class PublicRoutes
{
    private const string ApiPrefix = "/api/";

    private readonly IReadOnlyList<(TemplateMatcher Matcher, IReadOnlySet<string> Services)> _routes;

    private PublicRoutes(IReadOnlyList<(TemplateMatcher Matcher, IReadOnlySet<string> Services)> routes, IReadOnlyList<ServiceAddress> services)
    {
        _routes = routes;
        Services = services;
    }

    /// <summary>Every service that some route forwards to, in the order the routes are declared.</summary>
    public IReadOnlyList<ServiceAddress> Services { get; }

    public static PublicRoutes From(IEnumerable<IProxyConfigProvider> providers)
    {
        var configs = providers.Select(provider => provider.GetConfig()).ToList();
        var clusters = configs.SelectMany(config => config.Clusters)
            .GroupBy(cluster => cluster.ClusterId, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(group => group.Key, group => group.SelectMany(Addresses).ToList(), StringComparer.OrdinalIgnoreCase);

        var routes = new List<(TemplateMatcher, IReadOnlySet<string>)>();
        var services = new List<ServiceAddress>();
        foreach (var route in configs.SelectMany(config => config.Routes))
        {
            if (route.Match.Path is not { } path || route.ClusterId is null || !clusters.TryGetValue(route.ClusterId, out var addresses))
            {
                continue;
            }

            routes.Add((new TemplateMatcher(TemplateParser.Parse(path.TrimStart('/')), []),
                addresses.Select(address => address.Service).ToHashSet(StringComparer.OrdinalIgnoreCase)));
            services.AddRange(addresses.Where(address => !services.Any(known => known.Service.Equals(address.Service, StringComparison.OrdinalIgnoreCase))));
        }

        return new PublicRoutes(routes, services);
    }

    /// <summary>Whether <paramref name="path"/> (an OpenAPI path template such as <c>/api/v1/orders/{id}</c>)
    /// is under <c>/api/</c> and forwarded to <paramref name="service"/>.</summary>
    public bool Forwards(string service, string path) =>
        path.StartsWith(ApiPrefix, StringComparison.Ordinal)
        && _routes.Any(route => route.Services.Contains(service) && route.Matcher.TryMatch(new PathString(path), []));

    private static IEnumerable<ServiceAddress> Addresses(ClusterConfig cluster) =>
        (cluster.Destinations?.Values ?? [])
            .Select(destination => Uri.TryCreate(destination.Address, UriKind.Absolute, out var uri) ? uri : null)
            .OfType<Uri>()
            .Select(uri => new ServiceAddress(uri.Host, new Uri(uri.GetLeftPart(UriPartial.Authority))));
}
