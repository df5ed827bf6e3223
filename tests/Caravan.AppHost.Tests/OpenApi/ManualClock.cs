namespace Caravan.AppHost.Tests.OpenApi;

/// <summary>
/// A clock whose time moves only when a test says so. Only the time of day is manual: timers stay real, so
/// the resilience handler's delays and the fetch timeout behave as in production while the cache's
/// expiry follows <see cref="Advance"/>.
/// </summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
