namespace Caravan.Gateway.Routing;

/// <summary>
/// <c>Caravan:Gateway:HealthChecks</c>: YARP's active check probes every instance's <c>/health/ready</c>
/// each <see cref="Interval"/> and takes an instance out after two failed probes in a row (back in at
/// its first good probe); the passive check takes an instance out for <see cref="ReactivationPeriod"/>
/// when too many of the requests forwarded to it fail at the transport level.
/// </summary>
public sealed class DestinationHealthOptions
{
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan ReactivationPeriod { get; set; } = TimeSpan.FromSeconds(30);
}
