namespace Caravan.ServiceDefaults.Versioning;

/// <summary>
/// The retirement of one API version, bound from configuration: since when it is deprecated (the
/// <c>Deprecation</c> header, RFC 9745), when it will stop being served (the <c>Sunset</c> header,
/// RFC 8594) and where clients read how to move on (a <c>Link</c> with both).
/// </summary>
public sealed class RetiringVersionOptions
{
    public DateTimeOffset? Deprecated { get; set; }

    public DateTimeOffset? Sunset { get; set; }

    /// <summary>The migration guide; relative to the public API's origin unless absolute.</summary>
    public string Link { get; set; } = "/docs";
}
