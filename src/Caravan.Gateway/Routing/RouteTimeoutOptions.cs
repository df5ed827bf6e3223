namespace Caravan.Gateway.Routing;

/// <summary>
/// <c>Caravan:Gateway:Timeouts</c>: how long the gateway waits for a service's answer before it gives
/// the caller 504. <c>Default</c> (10 s) applies to every resource without its own entry under
/// <c>Routes</c> (e.g. <c>Caravan:Gateway:Timeouts:Routes:orders=00:00:30</c>).
/// </summary>
public sealed class RouteTimeoutOptions
{
    public TimeSpan Default { get; set; } = TimeSpan.FromSeconds(10);

    public IDictionary<string, TimeSpan> Routes { get; } = new Dictionary<string, TimeSpan>(StringComparer.OrdinalIgnoreCase);

    public TimeSpan For(string resource) =>
        Routes.TryGetValue(resource, out var timeout) && timeout > TimeSpan.Zero ? timeout : Default;
}
