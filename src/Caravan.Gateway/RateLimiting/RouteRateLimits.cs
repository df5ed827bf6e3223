namespace Caravan.Gateway.RateLimiting;

/// <summary>
/// The limits of one kind of client, by default (<c>Caravan:Gateway:RateLimiting:{Kind}</c>) or for one
/// resource (<c>Caravan:Gateway:RateLimiting:Routes:{resource}:{Kind}</c>).
/// </summary>
public sealed class RouteRateLimits
{
    public TokenBucketLimit? Anonymous { get; set; }

    public TokenBucketLimit? Authenticated { get; set; }

    public TokenBucketLimit? ApiKey { get; set; }

    internal TokenBucketLimit? For(ClientKind kind) => kind switch
    {
        ClientKind.Authenticated => Authenticated,
        ClientKind.ApiKey => ApiKey,
        _ => Anonymous,
    };
}
