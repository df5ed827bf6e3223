namespace Caravan.Gateway;

/// <summary>
/// One public resource and the service that owns it. Both <c>/api/v{n}/{Resource}</c> (any integer
/// <c>n</c>: the service decides which versions exist) and the versionless <c>/api/{Resource}</c> (the
/// service then picks the version from the <c>api-version</c> header or query parameter), and everything
/// below them, go to <see cref="Service"/>, found through service discovery as <c>http://{Service}</c>.
/// The path and query are forwarded unchanged.
/// </summary>
public sealed record GatewayRoute(string Resource, string Service)
{
    /// <summary>The versioned path prefix for version <paramref name="version"/>, e.g. <c>/api/v1/orders</c>.</summary>
    public string PathFor(int version) => $"/api/v{version}/{Resource}";

    /// <summary>The v1 path prefix (<c>/api/v1/orders</c>), the version every service publishes.</summary>
    public string PathPrefix => PathFor(1);
}
