using System.Net.Http.Json;
using Caravan.Contracts;
using Caravan.Messaging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Caravan.Services.Tests;

/// <summary>
/// One Caravan service running for real in the test process, composed exactly as its Program.cs does
/// (<c>AddServiceDefaults</c>, <c>AddXyzService</c>, <c>UseServiceDefaults</c>, <c>MapXyzEndpoints</c>),
/// on Kestrel at a free loopback port, with its data in the given data directory (SQLite files) or in
/// the databases <see cref="ServiceStorage"/> gives that directory.
/// </summary>
public sealed class ServiceHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ServiceStorage _storage;
    private readonly string _dataDirectory;

    private ServiceHost(WebApplication app, Uri address, ServiceStorage storage, string dataDirectory)
    {
        _app = app;
        _storage = storage;
        _dataDirectory = dataDirectory;
        Client = new HttpClient { BaseAddress = address };
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<ServiceHost> StartAsync(
        string dataDirectory,
        Action<WebApplicationBuilder> addService,
        Action<WebApplication> mapEndpoints,
        Action<WebApplicationBuilder>? configure = null,
        ServiceStorage? storage = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["Caravan:DataDirectory"] = dataDirectory;
        storage ??= ServiceStorage.Sqlite;
        storage.Configure(builder.Configuration, dataDirectory);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        configure?.Invoke(builder);
        builder.AddServiceDefaults();
        addService(builder);
        var app = builder.Build();
        app.UseServiceDefaults();
        mapEndpoints(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ServiceHost(app, new Uri(address), storage, dataDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _storage.ReleaseAsync(_dataDirectory);
    }
}

/// <summary>
/// A stand-in for another service on the same embedded broker: sends commands with its own queue as
/// ReplyTo and records every reply and event it receives, to assert on a service's messaging API.
/// </summary>
public sealed class MessagingProbe : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly List<object> _received = [];

    private MessagingProbe(IHost host) => _host = host;

    public IMessageBus Bus => _host.Services.GetRequiredService<IMessageBus>();

    public IReadOnlyList<object> Received
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>Starts a probe named <paramref name="name"/> that handles (records) each of <paramref name="recorded"/>.</summary>
    public static async Task<MessagingProbe> StartAsync(string dataDirectory, string name, params Type[] recorded)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration["Caravan:DataDirectory"] = dataDirectory;
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        MessagingProbe? probe = null;
        builder.AddServiceMessaging(name, messaging =>
        {
            messaging.AddCaravanContracts();
            foreach (var type in recorded)
            {
                typeof(MessagingProbe).GetMethod(nameof(Record), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                    .MakeGenericMethod(type)
                    .Invoke(null, [messaging, new Func<MessagingProbe>(() => probe!)]);
            }
        });
        var host = builder.Build();
        probe = new MessagingProbe(host);
        await host.StartAsync();
        return probe;
    }

    /// <summary>Sends <paramref name="command"/> to its registered queue, asking for replies here.</summary>
    public Task<Guid> SendAsync<T>(T command)
        where T : notnull => Bus.SendAsync(command);

    /// <summary>Waits until a received message of type <typeparamref name="T"/> matches <paramref name="match"/>.</summary>
    public async Task<T> WaitForAsync<T>(Func<T, bool>? match = null, TimeSpan? timeout = null)
    {
        T? found = default;
        await Eventually.HoldsAsync(
            () =>
            {
                found = Received.OfType<T>().FirstOrDefault(message => match?.Invoke(message) ?? true);
                return found is not null;
            },
            $"a {typeof(T).Name} arrives",
            timeout);
        return found!;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    private static void Record<T>(MessagingBuilder messaging, Func<MessagingProbe> probe) =>
        messaging.Handle<T>((message, _, _) =>
        {
            var received = probe()._received;
            lock (received)
            {
                received.Add(message!);
            }

            return Task.CompletedTask;
        });
}

/// <summary>JSON helpers for the wire shapes (camelCase, as the services write them).</summary>
public static class Json
{
    public static async Task<System.Text.Json.JsonElement> ReadJsonAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
}
