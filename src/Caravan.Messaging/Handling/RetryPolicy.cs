namespace Caravan.Messaging;

/// <summary>
/// How a failing message is retried, as in the guide but durable: a few immediate retries in the
/// consumer, then delayed retries whose delay doubles (about 2^n × <see cref="BaseDelay"/>, with
/// jitter so that a burst of failures does not retry in lockstep), then the dead-letter queue.
/// </summary>
public sealed record RetryPolicy
{
    /// <summary>Retries right after a failure, inside one delivery.</summary>
    public int ImmediateRetries { get; init; } = 2;

    /// <summary>Deliveries rescheduled after a growing delay once the immediate retries are spent.</summary>
    public int DelayedRetries { get; init; } = 3;

    /// <summary>The n-th delayed retry waits about BaseDelay × 2^n (2 s, 4 s, 8 s by default).</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Each delay is moved at random by up to ± this fraction of itself.</summary>
    public double JitterFactor { get; init; } = 0.2;

    /// <summary>The delay before delayed retry number <paramref name="retry"/> (1-based).</summary>
    /// <param name="retry">1 for the first delayed retry.</param>
    /// <param name="random">A value in [0, 1) from the injected random source.</param>
    public TimeSpan GetDelay(int retry, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        var exponential = BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(retry, 30));
        var jitter = 1 + (JitterFactor * ((random * 2) - 1));
        var milliseconds = Math.Min(exponential * jitter, MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(Math.Max(0, milliseconds));
    }

    /// <summary>How many times a message is handled before it is dead-lettered for good.</summary>
    public int TotalAttempts => (ImmediateRetries + 1) * (DelayedRetries + 1);
}
