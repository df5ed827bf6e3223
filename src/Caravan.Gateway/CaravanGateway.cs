using Caravan.Gateway.Errors;
using Caravan.Gateway.Limits;
using Caravan.Gateway.RateLimiting;
using Caravan.Gateway.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace Caravan.Gateway;

/// <summary>
/// The gateway's composition: <see cref="AddCaravanGateway"/> registers it, <see cref="MapCaravanGateway"/>
/// puts it in the pipeline. For each request, in order:
/// <list type="number">
/// <item>Rate limiting per client (<see cref="RateLimitingOptions"/>): 429 RATE_LIMITED with <c>Retry-After</c>
/// and <c>RateLimit-*</c> headers; <c>/health/*</c> is exempt.</item>
/// <item>Request limits (<see cref="RequestLimitsOptions"/>): body size 413, JSON depth 400, header size 431.</item>
/// <item>The route's timeout (<see cref="RouteTimeoutOptions"/>, default 10 s): 504 GATEWAY_TIMEOUT.</item>
/// <item>The proxy: each resource of <see cref="Routes"/> under <c>/api/v{n}/</c> and <c>/api/</c> goes to its
/// service, found through service discovery (<c>services__{name}__http__{i}</c>, set by the app host's
/// <c>WithReference</c>), load-balanced across its instances, with active (<c>/health/ready</c>) and passive
/// health checks. A service that cannot be reached gives 503 SERVICE_UNAVAILABLE at once. The gateway never
/// retries (YARP does not): the caller decides.</item>
/// <item>Anything else: 404 NOT_FOUND.</item>
/// </list>
/// Every answer the gateway makes itself is application/problem+json with a <c>code</c>.
/// </summary>
public static class CaravanGateway
{
    /// <summary>What the gateway forwards, and where. Service names match the app host's resources.</summary>
    public static IReadOnlyList<GatewayRoute> Routes { get; } =
    [
        new("users", "users"),
        new("orders", "orders"),
        new("sagas", "orders"),
        new("products", "inventory"),
        new("reservations", "inventory"),
        new("payments", "payments"),
        new("shipments", "shipping"),
        new("notifications", "notifications"),
    ];

    public static IHostApplicationBuilder AddCaravanGateway(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.Configure<GatewayOptions>(builder.Configuration.GetSection(GatewayOptions.SectionName));
        services.Configure<RateLimitingOptions>(builder.Configuration.GetSection(RateLimitingOptions.SectionName));

        services.TryAddSingleton<GatewayProxyConfigProvider>();
        services.TryAddSingleton<IProxyConfigProvider>(provider => provider.GetRequiredService<GatewayProxyConfigProvider>());
        services.AddReverseProxy().AddServiceDiscoveryDestinationResolver();

        services.TryAddSingleton<GatewayRateLimiter>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>()
            .Configure<GatewayRateLimiter>((options, limiter) => limiter.Configure(options));

        services.AddRequestTimeouts();

        // Read each request straight into a buffer rather than first waiting for data with a zero-byte read:
        // one receive call less per request, for a pooled buffer held by each connection while it is idle.
        services.Configure<SocketTransportOptions>(sockets => sockets.WaitForDataBeforeAllocatingBuffer = false);
        services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<GatewayOptions>>((kestrel, gateway) =>
                kestrel.Limits.MaxRequestHeadersTotalSize = gateway.Value.Limits.MaxRequestHeadersTotalSize);
        return builder;
    }

    public static WebApplication MapCaravanGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var limiter = app.Services.GetRequiredService<GatewayRateLimiter>();
        app.UseRateLimiter();
        app.Use((context, next) =>
        {
            limiter.AddHeaders(context);
            return next(context);
        });
        app.UseMiddleware<RequestLimitsMiddleware>();
        app.UseRequestTimeouts();
        app.MapReverseProxy(proxy =>
        {
            proxy.UseMiddleware<ForwarderErrorMiddleware>();
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        app.MapFallback("{**path}", context => GatewayProblems.WriteAsync(context, StatusCodes.Status404NotFound, GatewayProblems.NotFound,
            "Not found.", $"Nothing is published at '{context.Request.Path}'."));
        return app;
    }
}
