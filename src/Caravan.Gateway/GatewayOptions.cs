using Caravan.Gateway.Limits;
using Caravan.Gateway.Routing;

namespace Caravan.Gateway;

/// <summary>
/// The gateway's settings, bound from <c>Caravan:Gateway</c> (the app host passes its own
/// <c>Caravan:Gateway:*</c> on as <c>Caravan__Gateway__*</c>). Rate limiting has its own section,
/// <c>Caravan:Gateway:RateLimiting</c> (<see cref="RateLimiting.RateLimitingOptions"/>).
/// <list type="bullet">
/// <item><c>Limits</c>: request body size, JSON nesting depth (read per request, so a change applies at
/// once) and the total size of the request headers (Kestrel's, read at start).</item>
/// <item><c>Timeouts</c>: how long a service may take to answer, by default and per resource.</item>
/// <item><c>HealthChecks</c>: how often each instance's <c>/health/ready</c> is probed, and how long a
/// passively detected failure keeps an instance out.</item>
/// <item><c>LoadBalancingPolicy</c>: YARP's policy across a service's instances (default <c>PowerOfTwoChoices</c>).</item>
/// </list>
/// Routes, timeouts and health checks are rebuilt when the configuration changes.
/// </summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Caravan:Gateway";

    public RequestLimitsOptions Limits { get; set; } = new();

    public RouteTimeoutOptions Timeouts { get; set; } = new();

    public DestinationHealthOptions HealthChecks { get; set; } = new();

    public string LoadBalancingPolicy { get; set; } = Yarp.ReverseProxy.LoadBalancing.LoadBalancingPolicies.PowerOfTwoChoices;
}
