namespace Caravan.Gateway.OpenApi;

/// <summary>How the gateway builds its combined API documents (<c>Caravan:Gateway:OpenApi</c>).</summary>
public sealed class OpenApiDocsOptions
{
    public const string Section = "Caravan:Gateway:OpenApi";

    /// <summary>How long a merged document is served before the services are asked again.</summary>
    public TimeSpan CacheFor { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long one service may take to hand over its document (retries of the standard resilience
    /// handler included) before it is listed as missing.
    /// </summary>
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
