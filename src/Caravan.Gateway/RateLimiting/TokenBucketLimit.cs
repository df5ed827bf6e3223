namespace Caravan.Gateway.RateLimiting;

/// <summary>
/// One token bucket: <see cref="TokensPerSecond"/> is the sustained rate (one request costs one token),
/// <see cref="Burst"/> the bucket's size, i.e. how many requests may come at once after a quiet spell.
/// Either may be left out: an unset rate falls back to the next more general setting, an unset burst to
/// the burst set alongside the rate, else twice the rate.
/// </summary>
public sealed class TokenBucketLimit
{
    public double? TokensPerSecond { get; set; }

    public int? Burst { get; set; }
}
