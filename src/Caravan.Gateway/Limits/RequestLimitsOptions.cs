namespace Caravan.Gateway.Limits;

/// <summary>
/// <c>Caravan:Gateway:Limits</c>: what a request may carry. A larger body gets 413, larger headers 431
/// (from Kestrel, before the gateway sees the request), a JSON body nested deeper than
/// <see cref="MaxJsonDepth"/> gets 400 naming <c>body</c>.
/// </summary>
public sealed class RequestLimitsOptions
{
    /// <summary>Largest request body, in bytes (default 1 MiB).</summary>
    public long MaxRequestBodySize { get; set; } = 1024 * 1024;

    /// <summary>Largest total size of the request headers, in bytes (default 32 KiB; read at start).</summary>
    public int MaxRequestHeadersTotalSize { get; set; } = 32 * 1024;

    /// <summary>Deepest nesting of objects and arrays in a JSON body (default 32).</summary>
    public int MaxJsonDepth { get; set; } = 32;
}
