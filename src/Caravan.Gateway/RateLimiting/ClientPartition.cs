using System.Security.Claims;
using System.Threading.RateLimiting;
using Caravan.Gateway.Routing;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Yarp.ReverseProxy.Model;

namespace Caravan.Gateway.RateLimiting;

/// <summary>
/// The bucket a request is counted in: the client (<c>sub:…</c>, <c>key:…</c> or <c>ip:…</c>), the
/// resource when it has limits of its own (else <c>*</c>), and the limits themselves, so that a
/// configuration change makes fresh buckets under the new limits (the old ones are dropped when idle).
/// </summary>
internal readonly record struct ClientPartition(string Client, string Scope, double TokensPerSecond, int Burst)
{
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>Refill granularity: the bucket gets tokens about every 50 ms, never less than one at a time.</summary>
    private const double RefillsPerSecond = 20;

    public static ClientPartition For(HttpContext context, RateLimitingOptions options)
    {
        var (kind, client) = Identify(context, options);
        var resource = Resource(context);
        var scope = options.HasOwnLimits(resource) ? resource! : "*";
        var (rate, burst) = options.Resolve(kind, options.HasOwnLimits(resource) ? resource : null);
        return new ClientPartition(client, scope, rate, burst);
    }

    /// <summary>Seconds until the bucket, now holding <paramref name="available"/> tokens, is full again.</summary>
    public int SecondsUntilFull(long available) =>
        (int)Math.Ceiling(Math.Max(0, Burst - available) / TokensPerSecond);

    /// <summary>Seconds one token takes to come back, at least 1: what a rejected caller should wait.</summary>
    public int SecondsPerToken => (int)Math.Clamp(Math.Ceiling(1 / TokensPerSecond), 1, int.MaxValue);

    /// <summary>The bucket's window in seconds: how long an empty bucket takes to fill (for <c>RateLimit-Policy</c>).</summary>
    public int WindowSeconds => (int)Math.Clamp(Math.Ceiling(Burst / TokensPerSecond), 1, int.MaxValue);

    public TokenBucketRateLimiterOptions ToLimiterOptions()
    {
        var tokensPerPeriod = (int)Math.Clamp(Math.Floor(TokensPerSecond / RefillsPerSecond), 1, int.MaxValue);
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = Burst,
            TokensPerPeriod = tokensPerPeriod,
            ReplenishmentPeriod = TimeSpan.FromSeconds(tokensPerPeriod / TokensPerSecond),
            AutoReplenishment = true,
            QueueLimit = 0,
        };
    }

    private static (ClientKind Kind, string Client) Identify(HttpContext context, RateLimitingOptions options)
    {
        // The feature rather than HttpContext.User, which makes an empty principal for every anonymous request.
        if (context.Features.Get<IHttpAuthenticationFeature>()?.User is { Identity.IsAuthenticated: true } user
            && (user.FindFirstValue("sub") ?? user.FindFirstValue(ClaimTypes.NameIdentifier)) is { Length: > 0 } subject)
        {
            return (ClientKind.Authenticated, "sub:" + subject);
        }

        if (context.Request.Headers[ApiKeyHeader] is [{ Length: > 0 } key] && options.IsKnownApiKey(key))
        {
            return (ClientKind.ApiKey, "key:" + key);
        }

        return (ClientKind.Anonymous, "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown"));
    }

    private static string? Resource(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Config.Metadata is { } metadata
        && metadata.TryGetValue(GatewayProxyConfig.ResourceMetadataKey, out var resource)
            ? resource
            : null;
}
