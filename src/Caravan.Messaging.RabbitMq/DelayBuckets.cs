namespace Caravan.Messaging.RabbitMq;

/// <summary>
/// Rounds delays up to a bounded set of buckets, one TTL queue each. A queue-wide TTL expires messages
/// exactly in order (per-message TTLs only expire at the head of a queue, so a long delay would hold back
/// a short one behind it); buckets keep the number of queues small: up to 16 ms every millisecond, then
/// 8 buckets per doubling, so a message waits at most an eighth longer than asked, and never less.
/// </summary>
internal static class DelayBuckets
{
    /// <summary>The longest bucket (about 24 days); a longer delay is waited out in several hops.</summary>
    public const long MaxMilliseconds = 1L << 31;

    public static long RoundUp(TimeSpan delay)
    {
        var milliseconds = (long)Math.Ceiling(delay.TotalMilliseconds);
        if (milliseconds <= 16)
        {
            return Math.Max(1, milliseconds);
        }

        if (milliseconds >= MaxMilliseconds)
        {
            return MaxMilliseconds;
        }

        var step = 1L << (int)(63 - long.LeadingZeroCount(milliseconds) - 3);
        return (milliseconds + step - 1) / step * step;
    }
}
