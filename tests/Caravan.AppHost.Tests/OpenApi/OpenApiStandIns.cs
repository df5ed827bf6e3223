using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Caravan.AppHost.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Caravan.AppHost.Tests.OpenApi;

/// <summary>
/// Stand-ins for the services' OpenAPI endpoints: one Kestrel server listening on one free port per service;
/// a request for a path that was given a document (per service) gets it as JSON, any other request 404.
/// Documents can be replaced while running, and every request is counted.
/// </summary>
internal sealed class OpenApiStandIns : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<(string Service, string Path), string> _documents = new();
    private readonly ConcurrentDictionary<(string Service, string Path), int> _requests = new();

    private OpenApiStandIns(WebApplication app, IReadOnlyDictionary<int, string> services)
    {
        _app = app;
        Addresses = services.ToDictionary(port => port.Value, port => new Uri($"http://127.0.0.1:{port.Key}"));
        app.Run(context => AnswerAsync(context, services[context.Connection.LocalPort]));
    }

    public IReadOnlyDictionary<string, Uri> Addresses { get; }

    public static async Task<OpenApiStandIns> StartAsync(IEnumerable<string> services)
    {
        var ports = services.ToDictionary(service => FreePort.Next(), service => service);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls([.. ports.Keys.Select(port => $"http://127.0.0.1:{port}")]);
        var standIns = new OpenApiStandIns(builder.Build(), ports);
        await standIns._app.StartAsync();
        return standIns;
    }

    /// <summary>Serves <paramref name="document"/> at <c>/openapi/{name}.json</c> of <paramref name="service"/>.</summary>
    public void Serve(string service, string name, JsonObject document) => ServeText(service, name, document.ToJsonString());

    /// <summary>Serves <paramref name="body"/>, whatever it is, as <c>/openapi/{name}.json</c> of <paramref name="service"/>.</summary>
    public void ServeText(string service, string name, string body) => _documents[(service, $"/openapi/{name}.json")] = body;

    public int RequestsFor(string service, string path) => _requests.GetValueOrDefault((service, path));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private Task AnswerAsync(HttpContext context, string service)
    {
        var key = (service, context.Request.Path.Value ?? "");
        _requests.AddOrUpdate(key, 1, (_, count) => count + 1);
        if (!_documents.TryGetValue(key, out var document))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(document, context.RequestAborted);
    }
}
