using System.Globalization;
using System.Threading.RateLimiting;
using Caravan.Gateway.Errors;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Caravan.Gateway.RateLimiting;

/// <summary>
/// The gateway's rate limiting, on ASP.NET Core's rate limiter middleware with one global partitioned
/// token-bucket limiter (<see cref="ClientPartition"/>). A rejected request gets 429 with
/// <c>Retry-After</c> (whole seconds until the bucket has a token again), the <c>RateLimit-*</c> headers
/// and a RATE_LIMITED problem; an accepted one gets the <c>RateLimit-*</c> headers too:
/// <c>RateLimit-Limit</c> (the burst), <c>RateLimit-Remaining</c> (tokens left), <c>RateLimit-Reset</c>
/// (seconds until the bucket is full again) and <c>RateLimit-Policy</c> (<c>{burst};w={seconds to fill}</c>).
/// </summary>
internal sealed class GatewayRateLimiter(IOptionsMonitor<RateLimitingOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<HttpContext> _limiter = PartitionedRateLimiter.Create<HttpContext, ClientPartition>(context =>
        IsExempt(context, options.CurrentValue)
            ? RateLimitPartition.GetNoLimiter(default(ClientPartition))
            : RateLimitPartition.GetTokenBucketLimiter(PartitionOf(context, options.CurrentValue), partition => partition.ToLimiterOptions()));

    public PartitionedRateLimiter<HttpContext> Limiter => _limiter;

    public void Configure(RateLimiterOptions rateLimiter)
    {
        rateLimiter.GlobalLimiter = _limiter;
        rateLimiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        rateLimiter.OnRejected = OnRejectedAsync;
    }

    /// <summary>Adds the <c>RateLimit-*</c> headers to a request the limiter let through.</summary>
    public void AddHeaders(HttpContext context)
    {
        var current = options.CurrentValue;
        if (IsExempt(context, current) || _limiter.GetStatistics(context) is not { } statistics)
        {
            return;
        }

        WriteHeaders(context, PartitionOf(context, current), statistics.CurrentAvailablePermits);
    }

    public void Dispose() => _limiter.Dispose();

    private static bool IsExempt(HttpContext context, RateLimitingOptions current) =>
        !current.Enabled || context.Request.Path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase);

    private async ValueTask OnRejectedAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var partition = PartitionOf(context, options.CurrentValue);
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait)
            ? (int)Math.Clamp(Math.Ceiling(wait.TotalSeconds), 1, int.MaxValue)
            : partition.SecondsPerToken;
        WriteHeaders(context, partition, available: 0);
        context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        await GatewayProblems.WriteAsync(context, StatusCodes.Status429TooManyRequests, GatewayProblems.RateLimited,
            "Too many requests.",
            $"This client may make {partition.TokensPerSecond.ToString(CultureInfo.InvariantCulture)} requests per second (bursts of {partition.Burst}); retry after {retryAfter} s.");
    }

    /// <summary>The request's partition, worked out once per request (the limiter, the headers and a rejection all need it).</summary>
    private static ClientPartition PartitionOf(HttpContext context, RateLimitingOptions current)
    {
        if (context.Features.Get<PartitionFeature>() is { } known)
        {
            return known.Partition;
        }

        var partition = ClientPartition.For(context, current);
        context.Features.Set(new PartitionFeature(partition));
        return partition;
    }

    private static void WriteHeaders(HttpContext context, ClientPartition partition, long available)
    {
        var headers = context.Response.Headers;
        headers["RateLimit-Limit"] = partition.Burst.ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Remaining"] = available.ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Reset"] = partition.SecondsUntilFull(available).ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Policy"] = $"{partition.Burst.ToString(CultureInfo.InvariantCulture)};w={partition.WindowSeconds.ToString(CultureInfo.InvariantCulture)}";
    }

    private sealed record PartitionFeature(ClientPartition Partition);
}
