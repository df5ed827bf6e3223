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
        var route = resource is not null && Routes.TryGetValue(resource, out var limits) ? limits.For(kind) : null;
        TokenBucketLimit?[] levels = kind switch
        {
            ClientKind.Authenticated => [route, Authenticated],
            ClientKind.ApiKey => [route, ApiKey, Authenticated],
            _ => [route, Anonymous],
        };
        var builtInRate = kind == ClientKind.Anonymous ? AnonymousRate : AuthenticatedRate;

        int? burst = null;
        foreach (var level in levels)
        {
            burst ??= level?.Burst;
            if (level?.TokensPerSecond is { } rate && double.IsFinite(rate) && rate > 0)
            {
                return (rate, Positive(burst, rate));
            }
        }

        return (builtInRate, Positive(burst, builtInRate));
    }

    private static int Positive(int? burst, double rate) =>
        burst is > 0 ? burst.Value : (int)Math.Clamp(Math.Ceiling(rate * 2), 1, int.MaxValue);
}
