using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;

namespace Caravan.Gateway.Routing;

/// <summary>
/// YARP's routes and clusters for <see cref="CaravanGateway.Routes"/> under one <see cref="GatewayOptions"/>.
/// Each resource gets two routes, <c>/api/v{version:int}/{resource}/{**rest}</c> and
/// <c>/api/{resource}/{**rest}</c> ("{**rest}" also matches the bare prefix; <c>/api/v1/ordersx</c> matches
/// nothing and gets the gateway's own 404), both carrying the resource's timeout and its name in
/// <see cref="ResourceMetadataKey"/>. Each service gets one cluster whose destinations come from service
/// discovery (<c>http://{service}</c>), load-balanced, with active and passive health checks; when every
/// instance is unhealthy the cluster still tries them ("panic"), so a lone instance that comes back gets
/// traffic at once and a dead one gets a quick 503 rather than a wait for the next probe.
/// </summary>
internal sealed class GatewayProxyConfig : IProxyConfig, IDisposable
{
    public const string ResourceMetadataKey = "Caravan.Resource";

    private readonly CancellationTokenSource _changed = new();

    public GatewayProxyConfig(IEnumerable<GatewayRoute> routes, GatewayOptions options)
    {
        var all = routes.ToList();
        Routes = [.. all.SelectMany(route => ProxyRoutes(route, options.Timeouts.For(route.Resource)))];
        Clusters = [.. all.Select(route => route.Service).Distinct(StringComparer.Ordinal).Select(service => ProxyCluster(service, options))];
        ChangeToken = new CancellationChangeToken(_changed.Token);
    }

    public IReadOnlyList<RouteConfig> Routes { get; }

    public IReadOnlyList<ClusterConfig> Clusters { get; }

    public IChangeToken ChangeToken { get; }

    /// <summary>Tells YARP that a newer configuration replaces this one.</summary>
    public void SignalChanged() => _changed.Cancel();

    public void Dispose() => _changed.Dispose();

    private static IEnumerable<RouteConfig> ProxyRoutes(GatewayRoute route, TimeSpan timeout)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { [ResourceMetadataKey] = route.Resource };
        yield return new RouteConfig
        {
            RouteId = $"{route.Resource}-versioned",
            ClusterId = route.Service,
            Match = new RouteMatch { Path = $"/api/v{{version:int}}/{route.Resource}/{{**rest}}" },
            Timeout = timeout,
            Metadata = metadata,
        };
        yield return new RouteConfig
        {
            RouteId = route.Resource,
            ClusterId = route.Service,
            Match = new RouteMatch { Path = $"/api/{route.Resource}/{{**rest}}" },
            Timeout = timeout,
            Metadata = metadata,
        };
    }

    private static ClusterConfig ProxyCluster(string service, GatewayOptions options) => new()
    {
        ClusterId = service,
        LoadBalancingPolicy = options.LoadBalancingPolicy,
        Destinations = new Dictionary<string, DestinationConfig>(StringComparer.Ordinal)
        {
            [service] = new() { Address = $"http://{service}" },
        },
        HealthCheck = new HealthCheckConfig
        {
            AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyOrPanic,
            Active = new ActiveHealthCheckConfig
            {
                Enabled = true,
                Interval = options.HealthChecks.Interval,
                Timeout = options.HealthChecks.Timeout,
                Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
                Path = "/health/ready",
            },
            Passive = new PassiveHealthCheckConfig
            {
                Enabled = true,
                Policy = HealthCheckConstants.PassivePolicy.TransportFailureRate,
                ReactivationPeriod = options.HealthChecks.ReactivationPeriod,
            },
        },
    };
}
