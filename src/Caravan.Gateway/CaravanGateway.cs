using Yarp.ReverseProxy.Configuration;

namespace Caravan.Gateway;

/// <summary>
/// The gateway's composition: <see cref="AddCaravanGateway"/> registers the reverse proxy,
/// <see cref="MapCaravanGateway"/> maps it. Each public prefix is forwarded unchanged (path and query)
/// to one service, whose address comes from service discovery (<c>services__{name}__http__0</c>, set by
/// the app host's <c>WithReference</c>). The proxy does not retry (YARP never does): a request to a
/// service that is down gets a 502 or 503 problem (application/problem+json) from ServiceDefaults'
/// status code pages, and the caller decides whether to try again.
/// </summary>
public static class CaravanGateway
{
    /// <summary>What the gateway forwards, and where. Resource names match the app host's.</summary>
    public static IReadOnlyList<GatewayRoute> Routes { get; } =
    [
        new("/api/v1/users", "users"),
        new("/api/v1/orders", "orders"),
        new("/api/v1/sagas", "orders"),
        new("/api/v1/products", "inventory"),
        new("/api/v1/reservations", "inventory"),
        new("/api/v1/payments", "payments"),
        new("/api/v1/shipments", "shipping"),
        new("/api/v1/notifications", "notifications"),
    ];

    public static IHostApplicationBuilder AddCaravanGateway(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddReverseProxy()
            .LoadFromMemory(ProxyRoutes(), ProxyClusters())
            .AddServiceDiscoveryDestinationResolver();
        return builder;
    }

    public static WebApplication MapCaravanGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapReverseProxy();
        return app;
    }

    // "{**rest}" also matches the bare prefix, so "/api/v1/orders" and "/api/v1/orders/..." share a route;
    // "/api/v1/ordersx" matches nothing and gets the gateway's own 404.
    private static RouteConfig[] ProxyRoutes() =>
        [.. Routes.Select(route => new RouteConfig
        {
            RouteId = route.PathPrefix.TrimStart('/').Replace('/', '-'),
            ClusterId = route.Service,
            Match = new RouteMatch { Path = route.PathPrefix + "/{**rest}" },
        })];

    private static ClusterConfig[] ProxyClusters() =>
        [.. Routes.Select(route => route.Service).Distinct(StringComparer.Ordinal).Select(service => new ClusterConfig
        {
            ClusterId = service,
            Destinations = new Dictionary<string, DestinationConfig>(StringComparer.Ordinal)
            {
                [service] = new() { Address = $"http://{service}" },
            },
        })];
}
