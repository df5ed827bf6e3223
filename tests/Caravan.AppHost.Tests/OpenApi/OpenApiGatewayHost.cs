using Caravan.AppHost.Tests.Infrastructure;
using Caravan.Gateway;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;

namespace Caravan.AppHost.Tests.OpenApi;

/// <summary>
/// The gateway composed as its Program.cs does (ServiceDefaults, <see cref="CaravanGateway"/>, the OpenAPI
/// documents), on Kestrel at a free loopback port, with the service addresses given as the app host's
/// <c>WithReference</c> would (<c>services:{name}:http:0</c>), an optional clock, and the route
/// <c>/api/v2/orders</c> → orders added beside the gateway's own routes, as a version 2 will be routed.
/// </summary>
internal sealed class OpenApiGatewayHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OpenApiGatewayHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<OpenApiGatewayHost> StartAsync(IReadOnlyDictionary<string, Uri> services, TimeProvider? time = null)
    {
        var address = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.WebHost.UseUrls(address.ToString());
        builder.Configuration.AddInMemoryCollection(services.ToDictionary(
            service => $"services:{service.Key}:http:0", service => (string?)service.Value.ToString()));
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.AddServiceDefaults();
        builder.AddCaravanGateway();
        builder.AddCaravanOpenApiDocs();
        builder.Services.AddSingleton<IProxyConfigProvider>(new InMemoryConfigProvider(
            [new RouteConfig { RouteId = "test-api-v2-orders", ClusterId = "test-orders-v2", Match = new RouteMatch { Path = "/api/v2/orders/{**rest}" } }],
            [new ClusterConfig
            {
                ClusterId = "test-orders-v2",
                Destinations = new Dictionary<string, DestinationConfig> { ["orders"] = new() { Address = "http://orders" } },
            }]));

        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapCaravanGateway();
        app.MapCaravanOpenApiDocs();
        await app.StartAsync();
        return new OpenApiGatewayHost(app, address);
    }

    public HttpClient CreateClient() => new() { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
