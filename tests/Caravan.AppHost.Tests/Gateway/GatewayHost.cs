using System.Text.Json;
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
/// <c>WithReference</c> would, through <c>services:{name}:http:{i}</c>, one entry per instance).
/// The <c>configuration</c> of <c>StartAsync</c> is extra gateway configuration; a settings file
/// watched for changes (as appsettings.json is) lets <see cref="ReconfigureAsync"/> change it while it runs.
/// </summary>
internal sealed class GatewayHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TestDirectory _directory;

    private GatewayHost(WebApplication app, TestDirectory directory, Uri address)
    {
        _app = app;
        _directory = directory;
        Address = address;
    }

    public Uri Address { get; }

    private string SettingsFile => Path.Combine(_directory.Path, "gateway.json");

    /// <param name="services">Where each service is, by name.</param>
    /// <param name="configuration">More configuration (e.g. <c>Caravan:Gateway:GraphQL:MaxDepth</c>), or none.</param>
    /// <param name="configure">Anything else to set on the builder.</param>
    public static Task<GatewayHost> StartAsync(
        IReadOnlyDictionary<string, Uri> services, IReadOnlyDictionary<string, string?>? configuration = null, Action<WebApplicationBuilder>? configure = null) =>
        StartAsync(services.ToDictionary(service => service.Key, service => (IReadOnlyList<Uri>)[service.Value]), configuration, configure);

    public static async Task<GatewayHost> StartAsync(
        IReadOnlyDictionary<string, IReadOnlyList<Uri>> services, IReadOnlyDictionary<string, string?>? configuration = null, Action<WebApplicationBuilder>? configure = null)
    {
        var directory = new TestDirectory("gateway");
        await File.WriteAllTextAsync(Path.Combine(directory.Path, "gateway.json"), "{}");
        var address = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls(address.ToString());
        builder.Configuration.AddInMemoryCollection(services.SelectMany(service => service.Value.Select((instance, index) =>
            KeyValuePair.Create($"services:{service.Key}:http:{index}", (string?)instance.ToString()))));
        builder.Configuration.AddInMemoryCollection(configuration ?? new Dictionary<string, string?>());
        builder.Configuration.AddJsonFile(Path.Combine(directory.Path, "gateway.json"), optional: false, reloadOnChange: true);
        configure?.Invoke(builder);
        builder.AddServiceDefaults();
        builder.AddCaravanGateway();
        builder.AddCaravanGraphQL();

        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapCaravanGateway();
        app.MapCaravanGraphQL();
        await app.StartAsync();
        return new GatewayHost(app, directory, address);
    }

    public HttpClient CreateClient() => new() { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Rewrites the watched settings file: these keys (e.g. <c>Caravan:Gateway:RateLimiting:Anonymous:Burst</c>) override the start's.</summary>
    public async Task ReconfigureAsync(IReadOnlyDictionary<string, string> settings)
    {
        var temporary = SettingsFile + ".tmp";
        await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(settings));
        File.Move(temporary, SettingsFile, overwrite: true);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _directory.Dispose();
    }
}
