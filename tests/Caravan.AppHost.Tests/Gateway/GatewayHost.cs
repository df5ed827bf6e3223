using Caravan.AppHost.Tests.Infrastructure;
using Caravan.Gateway;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Caravan.AppHost.Tests.Gateway;

/// <summary>
/// The gateway composed as its Program.cs does (ServiceDefaults + <see cref="CaravanGateway"/>), on Kestrel
/// at a free loopback port, with the service addresses given directly (as the app host's
/// <c>WithReference</c> would, through <c>services:{name}:http:0</c>).
/// </summary>
internal sealed class GatewayHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GatewayHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    /// <param name="services">Where each service is, by name.</param>
    /// <param name="settings">More configuration (e.g. <c>Caravan:Gateway:GraphQL:MaxDepth</c>), or none.</param>
    public static async Task<GatewayHost> StartAsync(IReadOnlyDictionary<string, Uri> services, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var address = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls(address.ToString());
        builder.Configuration.AddInMemoryCollection(services.ToDictionary(
            service => $"services:{service.Key}:http:0", service => (string?)service.Value.ToString()));
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.AddServiceDefaults();
        builder.AddCaravanGateway();
        builder.AddCaravanGraphQL();

        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapCaravanGateway();
        app.MapCaravanGraphQL();
        await app.StartAsync();
        return new GatewayHost(app, address);
    }

    public HttpClient CreateClient() => new() { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
