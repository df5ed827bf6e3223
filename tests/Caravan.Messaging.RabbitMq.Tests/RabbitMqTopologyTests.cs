using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Caravan.Messaging.RabbitMq.Tests;

/// <summary>What the transport leaves on the broker, read back with the plain client.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqTopologyTests(RabbitMqBroker broker) : IAsyncLifetime
{
    private readonly TransportsForTest _classic = new(broker, RabbitMqQueueType.Classic);
    private readonly TransportsForTest _quorum = new(broker, RabbitMqQueueType.Quorum);
    private IConnection? _connection;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        await _classic.CleanUpAsync();
        await _quorum.CleanUpAsync();
    }

    [Fact]
    public async Task DeadLetter_LandsInTheQueuesDeadLetterQueue_WithTheFailureInItsHeaders()
    {
        var transport = await _classic.CreateRabbitMqAsync();
        await transport.SendAsync([OutgoingMessage.Send(NewEnvelope("x", MessagePriority.High), "billing")]);
        var message = Assert.Single(await transport.ReceiveAsync("billing", 1, TimeSpan.FromSeconds(30)));

        await transport.DeadLetterAsync(message, FailureInfo.FromException(DeadLetterReason.RetriesExhausted, new InvalidOperationException("card declined"), 6));

        await using var channel = await RawChannelAsync();
        var dead = await channel.BasicGetAsync($"{_classic.Prefix}.dlq.billing", autoAck: true);
        Assert.NotNull(dead);
        var properties = dead.BasicProperties;
        Assert.Equal(message.Envelope.MessageId.ToString(), properties.MessageId);
        Assert.Equal((int)DeadLetterReason.RetriesExhausted, WireFormat.GetInt32(properties, WireFormat.Reason, -1));
        Assert.Equal(typeof(InvalidOperationException).FullName, WireFormat.GetString(properties, WireFormat.ExceptionType));
        Assert.Equal("card declined", WireFormat.GetString(properties, WireFormat.ExceptionMessage));
        Assert.Equal(6, WireFormat.GetInt32(properties, WireFormat.Attempts));
        Assert.Equal("billing", WireFormat.GetString(properties, WireFormat.Queue));
        Assert.True(properties.Persistent);
        Assert.Equal(0, await transport.GetQueueDepthAsync("billing"));
    }

    [Fact]
    public async Task ClassicQueue_IsDeclaredWithMaxPriority_AndTheBrokerOrdersByIt()
    {
        var transport = await _classic.CreateRabbitMqAsync();
        await transport.SubscribeAsync("prio", ["test.event"]);
        await transport.SendAsync(
        [
            OutgoingMessage.Publish(NewEnvelope("low", MessagePriority.Low)),
            OutgoingMessage.Publish(NewEnvelope("critical", MessagePriority.Critical)),
            OutgoingMessage.Publish(NewEnvelope("high", MessagePriority.High)),
        ]);

        // Read with the plain client: the order comes from the broker's priority queue, not from the transport.
        await using var channel = await RawChannelAsync();
        var order = new List<string>();
        while (await channel.BasicGetAsync($"{_classic.Prefix}.q.prio", autoAck: true) is { } result)
        {
            order.Add(Encoding.UTF8.GetString(result.Body.Span));
        }

        Assert.Equal(["critical", "high", "low"], order);
        var refused = await Assert.ThrowsAsync<OperationInterruptedException>(() => channel.QueueDeclareAsync(
            $"{_classic.Prefix}.q.prio", durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?> { ["x-max-priority"] = 10 }));
        Assert.Contains("x-max-priority", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuorumLanes_HaveAnExplicitDeliveryLimit_AndOneLanePerPriority()
    {
        var transport = await _quorum.CreateRabbitMqAsync();
        await transport.SendAsync(
        [
            OutgoingMessage.Send(NewEnvelope("low", MessagePriority.Low), "work"),
            OutgoingMessage.Send(NewEnvelope("critical", MessagePriority.Critical), "work"),
        ]);

        await using var channel = await RawChannelAsync();
        Assert.Equal(1u, (await channel.QueueDeclarePassiveAsync($"{_quorum.Prefix}.q.work.p4")).MessageCount);
        Assert.Equal(1u, (await channel.QueueDeclarePassiveAsync($"{_quorum.Prefix}.q.work.p1")).MessageCount);
        var refused = await Assert.ThrowsAsync<OperationInterruptedException>(() => channel.QueueDeclareAsync(
            $"{_quorum.Prefix}.q.work.p4",
            durable: true,
            exclusive: false,
            autoDelete: false,
            new Dictionary<string, object?>
            {
                ["x-queue-type"] = "quorum",
                ["x-delivery-limit"] = 5,
                ["x-dead-letter-exchange"] = string.Empty,
                ["x-dead-letter-routing-key"] = $"{_quorum.Prefix}.dlq.work",
            }));
        Assert.Contains("x-delivery-limit", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_Throws_WhenTheBrokerCannotRouteTheMessage_AndTheRetryDeclaresTheQueueAgain()
    {
        var transport = await _classic.CreateRabbitMqAsync();
        await transport.SendAsync([OutgoingMessage.Send(NewEnvelope("first", MessagePriority.Normal), "gone")]);
        await using (var channel = await RawChannelAsync())
        {
            await channel.QueueDeleteAsync($"{_classic.Prefix}.q.gone");
        }

        var second = OutgoingMessage.Send(NewEnvelope("second", MessagePriority.Normal), "gone");
        await Assert.ThrowsAnyAsync<PublishException>(() => transport.SendAsync([second]));

        // What the outbox relay does next: send again.
        await transport.SendAsync([second]);
        var received = Assert.Single(await transport.ReceiveAsync("gone", 10, TimeSpan.FromSeconds(30)));
        Assert.Equal(second.Envelope.MessageId, received.Envelope.MessageId);
    }

    [Fact]
    public async Task UnreadableMessage_IsDeadLetteredByTheReceiveThatMeetsIt_AndDoesNotBlockTheQueue()
    {
        var transport = await _classic.CreateRabbitMqAsync();
        await transport.SubscribeAsync("inbox", ["test.event"]);
        await using (var channel = await RawChannelAsync())
        {
            // Written by something that is not Caravan: no metadata header, no message id.
            await channel.BasicPublishAsync(string.Empty, $"{_classic.Prefix}.q.inbox", mandatory: true, new BasicProperties { Type = "test.event", Persistent = true }, Encoding.UTF8.GetBytes("{}"));
        }

        await transport.SendAsync([OutgoingMessage.Send(NewEnvelope("good", MessagePriority.Normal), "inbox")]);

        var received = Assert.Single(await transport.ReceiveAsync("inbox", 10, TimeSpan.FromSeconds(30)));
        Assert.Equal("good", Encoding.UTF8.GetString(received.Envelope.Body.Span));
        var dead = Assert.Single(await transport.DeadLetters.ListAsync(new DeadLetterQuery { Queue = "inbox" }));
        Assert.Equal(DeadLetterReason.DeserializationFailed, dead.Failure.Reason);
        Assert.Equal("test.event", dead.Envelope.MessageType);
        Assert.True(dead.Envelope.Headers.ContainsKey(EnvelopeHeaders.UnreadableMetadata));
    }

    /// <summary>A channel of the plain client, beside the transport.</summary>
    private async Task<IChannel> RawChannelAsync()
    {
        _connection ??= await new ConnectionFactory { Uri = new Uri(broker.ConnectionString) }.CreateConnectionAsync();
        return await _connection.CreateChannelAsync();
    }

    private static Envelope NewEnvelope(string text, MessagePriority priority) => new()
    {
        MessageId = Guid.CreateVersion7(),
        MessageType = "test.event",
        Priority = priority,
        CreatedAt = TimeProvider.System.GetUtcNow(),
        Body = Encoding.UTF8.GetBytes(text),
    };
}
