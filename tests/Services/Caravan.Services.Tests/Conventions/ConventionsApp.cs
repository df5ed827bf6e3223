using Caravan.ServiceDefaults.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Caravan.Services.Tests.Conventions;

/// <summary>
/// A bare app composed with AddServiceDefaults/UseServiceDefaults on real Kestrel, with endpoints that
/// fail in each way a service can, to see what the shared defaults make of it.
/// </summary>
internal sealed class ConventionsApp : IAsyncDisposable
{
    public const long MaxBodyBytes = 1024;

    private readonly WebApplication _app;

    private ConventionsApp(WebApplication app, Uri address)
    {
        _app = app;
        Client = new HttpClient { BaseAddress = address };
    }

    public HttpClient Client { get; }

    public Uri Address => Client.BaseAddress!;

    public IServiceProvider Services => _app.Services;

    public static async Task<ConventionsApp> StartAsync(Action<WebApplicationBuilder>? configure = null, Action<WebApplication>? map = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxBodyBytes);
        builder.Logging.ClearProviders();
        configure?.Invoke(builder);
        builder.AddServiceDefaults();
        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapPost("/echo", (EchoRequest request) => TypedResults.Ok(request));
        app.MapGet("/boom", string () => throw new InvalidOperationException("secret connection string Password=hunter2"));
        app.MapGet("/invalid", () => new FieldErrors().Add("name", "'name' is required.").Add("name", "'name' is short.").Add("email", "'email' is wrong.").ToProblem());
        app.MapGet("/coded", () => Problems.Conflict("Taken.", "The thing is taken.", "THING_TAKEN"));
        app.MapGet("/missing", () => Problems.NotFound("Thing", "42"));
        app.MapGet("/teapot", () => Results.StatusCode(StatusCodes.Status503ServiceUnavailable));
        map?.Invoke(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ConventionsApp(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public sealed record EchoRequest(string Name, int Count);
}
