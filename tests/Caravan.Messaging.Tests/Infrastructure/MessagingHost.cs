using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Caravan.Messaging.Tests;

/// <summary>
/// A real generic host running Caravan messaging for one service, on the broker and database files
/// of a test folder. Several hosts on the same broker file behave like several processes.
/// </summary>
public sealed class MessagingHost : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private MessagingHost(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public IMessageBus Bus => _host.Services.GetRequiredService<IMessageBus>();

    public IDeadLetterQueue DeadLetters => _host.Services.GetRequiredService<IDeadLetterQueue>();

    public IMessageTransport Transport => _host.Services.GetRequiredService<IMessageTransport>();

    public static async Task<MessagingHost> StartAsync(
        string serviceName,
        Action<MessagingBuilder> configureTransport,
        string databasePath,
        Action<MessagingBuilder>? configure = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(10));
        services?.Invoke(builder.Services);
        builder.Services.AddCaravanMessaging(serviceName, messaging =>
        {
            configureTransport(messaging);
            messaging.UseSqliteDatabase(databasePath);
            messaging.AddMessage<Ping>("test.ping", destination: "pinged");
            messaging.AddMessage<Pong>("test.pong");
            messaging.AddMessage<OrderPlaced>("test.order-placed");
            messaging.AddMessage<Poison>("test.poison", destination: "pinged");
            messaging.Configure(options =>
            {
                options.Outbox.PollInterval = TimeSpan.FromMilliseconds(200);
                options.Outbox.ClaimDuration = TimeSpan.FromSeconds(2);
                options.Retry = new RetryPolicy { ImmediateRetries = 1, DelayedRetries = 2, BaseDelay = TimeSpan.FromMilliseconds(50), JitterFactor = 0 };
            });
            configure?.Invoke(messaging);
        });
        var host = builder.Build();
        await host.StartAsync();
        return new MessagingHost(host);
    }

    /// <param name="cancellationToken">Cancelled: a hard stop, as when the host's shutdown timeout has run out.</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (!_stopped)
        {
            _stopped = true;
            await _host.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }
}

/// <summary>Collects what handlers saw, for assertions.</summary>
public sealed class Received<T>
{
    private readonly ConcurrentQueue<(T Message, Envelope Envelope)> _items = new();

    public int Count => _items.Count;

    public IReadOnlyList<T> Messages => _items.Select(item => item.Message).ToList();

    public IReadOnlyList<Envelope> Envelopes => _items.Select(item => item.Envelope).ToList();

    public void Add(T message, MessageContext context) => _items.Enqueue((message, context.Message));
}
