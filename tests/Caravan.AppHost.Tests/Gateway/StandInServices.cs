using Caravan.AppHost.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Caravan.AppHost.Tests.Gateway;

/// <summary>
/// One Kestrel server listening on one free port per service name; every request is answered with
/// <c>{service} {path}{query}</c>, the service being the one whose port was called, so a test sees where
/// the gateway forwarded a request and what it forwarded.
/// </summary>
internal sealed class StandInServices : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StandInServices(WebApplication app, IReadOnlyDictionary<string, Uri> addresses)
    {
        _app = app;
        Addresses = addresses;
    }

    public IReadOnlyDictionary<string, Uri> Addresses { get; }

    public static async Task<StandInServices> StartAsync(IEnumerable<string> services)
    {
        var ports = services.ToDictionary(service => FreePort.Next(), service => service);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls([.. ports.Keys.Select(port => $"http://127.0.0.1:{port}")]);
        var app = builder.Build();
        app.Run(context => context.Response.WriteAsync(
            $"{ports[context.Connection.LocalPort]} {context.Request.Path}{context.Request.QueryString}", context.RequestAborted));
        await app.StartAsync();
        return new StandInServices(app, ports.ToDictionary(port => port.Value, port => new Uri($"http://127.0.0.1:{port.Key}")));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
