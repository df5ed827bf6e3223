using Microsoft.Extensions.Logging.Abstractions;

namespace Caravan.Messaging.RabbitMq.Tests;

/// <summary>The transports of one test: all on the shared broker under one fresh topology prefix, disposed with the test.</summary>
public sealed class TransportsForTest(RabbitMqBroker broker, RabbitMqQueueType queueType) : IAsyncDisposable
{
    private readonly List<RabbitMqTransport> _created = [];

    public string Prefix { get; } = RabbitMqBroker.NewPrefix();

    public void Configure(RabbitMqTransportOptions options)
    {
        options.ConnectionString = broker.ConnectionString;
        options.TopologyPrefix = Prefix;
        options.QueueType = queueType;
    }

    public void Use(MessagingBuilder messaging) => messaging.UseRabbitMq(broker.ConnectionString, Configure);

    public async Task<IMessageTransport> CreateAsync() => await CreateRabbitMqAsync();

    public async Task<RabbitMqTransport> CreateRabbitMqAsync()
    {
        var options = new RabbitMqTransportOptions();
        Configure(options);
        var transport = new RabbitMqTransport(options, TimeProvider.System, new SharedRandomSource(), NullLogger<RabbitMqTransport>.Instance);
        _created.Add(transport);
        await transport.InitializeAsync();
        return transport;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var transport in _created)
        {
            await transport.DisposeAsync();
        }
    }
}
