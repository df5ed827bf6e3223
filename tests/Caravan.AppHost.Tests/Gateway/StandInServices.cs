using Caravan.AppHost.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Caravan.AppHost.Tests.Gateway;

/// <summary>
/// One Kestrel server listening on one port per service name, standing in for the services. A GET is
/// answered with <c>{service} {path}{query}</c>, the service being the one whose port was called, so a
/// test sees where the gateway forwarded a request and what it forwarded; a request with a body gets that
/// body back byte for byte, with its content type; a path with a <c>hang</c> segment is never answered
/// (the request waits until it is aborted), as a stuck service. Every answer carries
/// <see cref="InstanceHeader"/> (<c>{service}@{port}</c>), telling instances of one service apart, and
/// <see cref="ApiVersionSeenHeader"/>.
/// </summary>
internal sealed class StandInServices : IAsyncDisposable
{
    public const string InstanceHeader = "X-Stand-In";

    /// <summary>Carries back the <c>api-version</c> request header the stand-in received.</summary>
    public const string ApiVersionSeenHeader = "X-Api-Version-Seen";

    private readonly WebApplication _app;
    private int _disposed;

    private StandInServices(WebApplication app, IReadOnlyDictionary<string, int> ports)
    {
        _app = app;
        Ports = ports;
        Addresses = ports.ToDictionary(port => port.Key, port => new Uri($"http://127.0.0.1:{port.Value}"));
    }

    public IReadOnlyDictionary<string, Uri> Addresses { get; }

    public IReadOnlyDictionary<string, int> Ports { get; }

    public static Task<StandInServices> StartAsync(IEnumerable<string> services) =>
        StartAsync(services.ToDictionary(service => service, _ => FreePort.Next()));

    /// <summary>Starts the stand-ins on the given ports (e.g. those of stand-ins stopped earlier: a service that comes back).</summary>
    public static async Task<StandInServices> StartAsync(IReadOnlyDictionary<string, int> ports)
    {
        var services = ports.ToDictionary(port => port.Value, port => port.Key);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls([.. services.Keys.Select(port => $"http://127.0.0.1:{port}")]);
        var app = builder.Build();
        app.Run(context => AnswerAsync(context, services[context.Connection.LocalPort]));
        await app.StartAsync();
        return new StandInServices(app, ports);
    }

    /// <summary>Stops the stand-ins (their ports then refuse connections); a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task AnswerAsync(HttpContext context, string service)
    {
        context.Response.Headers[InstanceHeader] = $"{service}@{context.Connection.LocalPort}";
        context.Response.Headers[ApiVersionSeenHeader] = context.Request.Headers["api-version"];
        if (context.Request.Path.Value?.Split('/').Contains("hang") == true)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
            return;
        }

        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            context.Response.ContentType = context.Request.ContentType;
            await context.Request.Body.CopyToAsync(context.Response.Body, context.RequestAborted);
            return;
        }

        await context.Response.WriteAsync($"{service} {context.Request.Path}{context.Request.QueryString}", context.RequestAborted);
    }
}
