namespace Caravan.Gateway.RateLimiting;

/// <summary>Who a request is counted against, from the most to the least trusted.</summary>
internal enum ClientKind
{
    /// <summary>An authenticated user, by its subject (<c>sub</c> / NameIdentifier claim).</summary>
    Authenticated,

    /// <summary>A caller presenting one of the configured API keys in <c>X-Api-Key</c>.</summary>
    ApiKey,

    /// <summary>Anyone else, by remote IP address.</summary>
    Anonymous,
}
