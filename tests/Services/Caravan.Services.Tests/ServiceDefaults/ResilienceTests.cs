using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;

namespace Caravan.Services.Tests.ServiceDefaults;

/// <summary>
/// The standard resilience handler every service's HttpClient gets from AddServiceDefaults retries
/// transient failures of safe requests, and never retries an unsafe one unless it carries an
/// Idempotency-Key (a retried POST could otherwise place an order or charge a card twice).
/// </summary>
public sealed class ResilienceTests : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private WebApplication _server = null!;
    private IHost _client = null!;
    private Uri _address = null!;

    public async Task InitializeAsync()
    {
        var server = WebApplication.CreateBuilder();
        server.WebHost.UseUrls("http://127.0.0.1:0");
        server.Logging.ClearProviders();
        _server = server.Build();
        _server.Map("/{name}", (string name) =>
        {
            _attempts.AddOrUpdate(name, 1, (_, count) => count + 1);
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        });
        await _server.StartAsync();
        _address = new Uri(_server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        var client = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        client.AddServiceDefaults();
        client.Services.ConfigureAll<HttpStandardResilienceOptions>(options =>
        {
            options.Retry.Delay = TimeSpan.FromMilliseconds(1);
            options.Retry.UseJitter = false;
        });
        _client = client.Build();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_failing_get_is_retried()
    {
        using var response = await SendAsync(HttpMethod.Get, "get");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(_attempts["get"] > 1, $"GET was tried {_attempts["get"]} time(s)");
    }

    [Fact]
    public async Task A_failing_post_without_an_idempotency_key_is_sent_once()
    {
        using var response = await SendAsync(HttpMethod.Post, "post");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, _attempts["post"]);
    }

    [Fact]
    public async Task A_failing_post_with_an_idempotency_key_is_retried()
    {
        using var response = await SendAsync(HttpMethod.Post, "keyed", idempotencyKey: "order-1");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(_attempts["keyed"] > 1, $"the keyed POST was tried {_attempts["keyed"]} time(s)");
    }

    [Fact]
    public async Task A_failing_delete_without_a_key_is_sent_once()
    {
        using var response = await SendAsync(HttpMethod.Delete, "delete");

        Assert.Equal(1, _attempts["delete"]);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string name, string? idempotencyKey = null)
    {
        var http = _client.Services.GetRequiredService<IHttpClientFactory>().CreateClient();
        http.BaseAddress = _address;
        using var request = new HttpRequestMessage(method, name);
        if (idempotencyKey is not null)
        {
            request.Headers.Add(ServiceDefaultsExtensions.IdempotencyKeyHeader, idempotencyKey);
        }

        return await http.SendAsync(request);
    }
}
