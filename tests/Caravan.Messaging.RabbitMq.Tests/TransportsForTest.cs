using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace Caravan.Messaging.RabbitMq.Tests;

/// <summary>
/// The transports of one test: all on the shared broker under one fresh topology prefix. At the end they are
/// disposed and everything they declared is deleted, so the broker stays small and restarts quickly.
/// </summary>
public sealed class TransportsForTest(RabbitMqBroker broker, RabbitMqQueueType queueType)
{
    private readonly List<RabbitMqTransport> _created = [];

    public string Prefix { get; } = RabbitMqBroker.NewPrefix();

    public void Configure(RabbitMqTransportOptions options)
    {
        options.ConnectionString = broker.ConnectionString;
        options.TopologyPrefix = Prefix;
        options.QueueType = queueType;
    }

    /// <summary>Points a messaging host at the broker, as a service would (<c>UseRabbitMq</c>), keeping track of its transport.</summary>
    public void Use(MessagingBuilder messaging) => Use(messaging, null);

    /// <summary>As <see cref="Use(MessagingBuilder)"/>, with settings of the test's own (<paramref name="configure"/>) on top.</summary>
    public void Use(MessagingBuilder messaging, Action<RabbitMqTransportOptions>? configure)
    {
        messaging.UseRabbitMq(broker.ConnectionString, options =>
        {
            Configure(options);
            configure?.Invoke(options);
        });
        messaging.Services.AddSingleton(provider => Track(New(provider.GetRequiredService<ILogger<RabbitMqTransport>>(), configure)));
    }

    public async Task<IMessageTransport> CreateAsync() => await CreateRabbitMqAsync();

    public async Task<RabbitMqTransport> CreateRabbitMqAsync(Action<RabbitMqTransportOptions>? configure = null)
    {
        var transport = Track(New(NullLogger<RabbitMqTransport>.Instance, configure));
        await transport.InitializeAsync();
        return transport;
    }

    /// <summary>Disposes the transports and deletes every queue and exchange they declared.</summary>
    public async Task CleanUpAsync()
    {
        List<RabbitMqTransport> created;
        lock (_created)
        {
            created = [.. _created];
        }

        foreach (var transport in created)
        {
            await transport.DisposeAsync();
        }

        await using var connection = await new ConnectionFactory { Uri = new Uri(broker.ConnectionString) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        foreach (var queue in created.SelectMany(transport => transport.Declarer.Queues).Distinct())
        {
            await channel.QueueDeleteAsync(queue);
        }

        foreach (var exchange in created.SelectMany(transport => transport.Declarer.Exchanges).Distinct())
        {
            await channel.ExchangeDeleteAsync(exchange);
        }
    }

    private RabbitMqTransport New(ILogger<RabbitMqTransport> logger, Action<RabbitMqTransportOptions>? configure = null)
    {
        var options = new RabbitMqTransportOptions();
        Configure(options);
        configure?.Invoke(options);
        return new RabbitMqTransport(options, TimeProvider.System, new SharedRandomSource(), logger);
    }

    private RabbitMqTransport Track(RabbitMqTransport transport)
    {
        lock (_created)
        {
            _created.Add(transport);
        }

        return transport;
    }
}
