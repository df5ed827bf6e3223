using Caravan.Messaging.Tests.Transport;

namespace Caravan.Messaging.RabbitMq.Tests;

/// <summary>The shared transport contract, unchanged, on classic queues with x-max-priority.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqTransportConformanceTests(RabbitMqBroker broker) : TransportConformanceTests, IAsyncLifetime
{
    private readonly TransportsForTest _transports = new(broker, RabbitMqQueueType.Classic);

    protected override void UseTransport(MessagingBuilder messaging) => _transports.Use(messaging);

    protected override Task<IMessageTransport> CreateTransportAsync() => _transports.CreateAsync();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _transports.CleanUpAsync();
}

/// <summary>The shared transport contract, unchanged, on quorum queues (one lane per priority).</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqQuorumTransportConformanceTests(RabbitMqBroker broker) : TransportConformanceTests, IAsyncLifetime
{
    private readonly TransportsForTest _transports = new(broker, RabbitMqQueueType.Quorum);

    protected override void UseTransport(MessagingBuilder messaging) => _transports.Use(messaging);

    protected override Task<IMessageTransport> CreateTransportAsync() => _transports.CreateAsync();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _transports.CleanUpAsync();
}
