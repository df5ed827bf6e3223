namespace Caravan.Gateway.RateLimiting;

/// <summary>
/// <c>Caravan:Gateway:RateLimiting</c>: a token bucket per client, reloaded without restart (a change
/// applies to the next request; buckets start full under new limits).
/// <para>
/// The client is the authenticated subject when the request carries an authenticated user, else the
/// <c>X-Api-Key</c> header when its value is one of <see cref="ApiKeys"/>, else the remote IP address.
/// A key that is not configured counts for nothing: the request is limited by its address as an
/// anonymous one, so inventing keys gives no fresh buckets.
/// </para>
/// <para>
/// Defaults: anonymous 20 tokens/s with a burst of 40; authenticated ten times that (200/s, burst 400);
/// API-key clients as authenticated ones unless <c>ApiKey</c> says otherwise. A resource listed under
/// <see cref="Routes"/> (e.g. <c>Routes:orders:Anonymous:TokensPerSecond=5</c>) has buckets of its own for
/// each client; every other resource shares the client's default bucket. <c>/health/*</c> is never limited.
/// </para>
/// </summary>
public sealed class RateLimitingOptions
{
    public const string SectionName = "Caravan:Gateway:RateLimiting";

    private const double AnonymousRate = 20;
    private const double AuthenticatedRate = 200;

    private HashSet<string>? _apiKeys;

    public bool Enabled { get; set; } = true;

    public TokenBucketLimit Anonymous { get; set; } = new();

    public TokenBucketLimit Authenticated { get; set; } = new();

    public TokenBucketLimit ApiKey { get; set; } = new();

    /// <summary>The API keys that earn a bucket of their own (<c>ApiKeys:0</c>, <c>ApiKeys:1</c>, …).</summary>
    public IList<string> ApiKeys { get; } = [];

    public IDictionary<string, RouteRateLimits> Routes { get; } = new Dictionary<string, RouteRateLimits>(StringComparer.OrdinalIgnoreCase);

    internal bool IsKnownApiKey(string key)
    {
        var keys = _apiKeys ??= new HashSet<string>(ApiKeys.Where(apiKey => !string.IsNullOrWhiteSpace(apiKey)), StringComparer.Ordinal);
        return keys.Contains(key);
    }

    /// <summary>Whether <paramref name="resource"/> has buckets of its own.</summary>
    internal bool HasOwnLimits(string? resource) => resource is not null && Routes.ContainsKey(resource);

    /// <summary>The rate and burst for a client of <paramref name="kind"/> on <paramref name="resource"/> (null: the default bucket).</summary>
    internal (double TokensPerSecond, int Burst) Resolve(ClientKind kind, string? resource)
    {
        // The levels from the most to the least specific: the resource's own limits, then the kind's
        // defaults (an API-key client falls back to the authenticated defaults). The first level with a
        // usable rate wins; the burst is the first one set on the way there. No array: this runs per request.
        var route = resource is not null && Routes.TryGetValue(resource, out var limits) ? limits.For(kind) : null;
        var (first, second) = kind switch
        {
            ClientKind.Authenticated => (Authenticated, null),
            ClientKind.ApiKey => (ApiKey, Authenticated),
            _ => (Anonymous, (TokenBucketLimit?)null),
        };
        var builtInRate = kind == ClientKind.Anonymous ? AnonymousRate : AuthenticatedRate;

        int? burst = null;
        if (TryLevel(route, ref burst, out var rate) || TryLevel(first, ref burst, out rate) || TryLevel(second, ref burst, out rate))
        {
            return (rate, Positive(burst, rate));
        }

        return (builtInRate, Positive(burst, builtInRate));
    }

    private static bool TryLevel(TokenBucketLimit? level, ref int? burst, out double rate)
    {
        burst ??= level?.Burst;
        rate = level?.TokensPerSecond ?? 0;
        return double.IsFinite(rate) && rate > 0;
    }

    private static int Positive(int? burst, double rate) =>
        burst is > 0 ? burst.Value : (int)Math.Clamp(Math.Ceiling(rate * 2), 1, int.MaxValue);
}
