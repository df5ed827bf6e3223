namespace Caravan.Sagas;

/// <summary>
/// How often a step's command (or compensation) is sent again when no reply comes in time, and how
/// long to wait before each new attempt: <c>min(MaxBackoff, Backoff × 2^(attempt−1))</c>, ±20% jitter.
/// </summary>
public sealed record SagaRetryPolicy
{
    /// <summary>Attempts in all, the first included.</summary>
    public int MaxAttempts { get; init; } = 3;

    public TimeSpan Backoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    public double JitterFactor { get; init; } = 0.2;

    /// <summary>The wait before attempt <paramref name="nextAttempt"/> (2 for the first retry); <paramref name="random"/> in [0, 1).</summary>
    public TimeSpan DelayBefore(int nextAttempt, double random)
    {
        var exponent = Math.Clamp(nextAttempt - 2, 0, 30);
        var raw = Math.Min(MaxBackoff.TotalMilliseconds, Backoff.TotalMilliseconds * Math.Pow(2, exponent));
        var jitter = 1 + (JitterFactor * ((2 * random) - 1));
        return TimeSpan.FromMilliseconds(Math.Max(0, raw * jitter));
    }
}
