using System.Text;
using Microsoft.Extensions.Logging.Abstractions;

namespace Caravan.Messaging.RabbitMq.Tests;

/// <summary>
/// Push consumption: a transport whose endpoint waits for messages gets them pushed, and what such a consumer holds
/// without receiving it goes back to the queue, uncounted, when it goes idle or its transport is disposed.
/// </summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqPushConsumerTests(RabbitMqBroker broker) : IAsyncLifetime
{
    private readonly TransportsForTest _transports = new(broker, RabbitMqQueueType.Classic);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _transports.CleanUpAsync();

    [Fact]
    public async Task WaitingTransport_ReceivesPushedMessages_EachOnce_AndCompletingEmptiesTheQueue()
    {
        var producer = await _transports.CreateRabbitMqAsync();
        var consumer = await _transports.CreateRabbitMqAsync();
        await consumer.WaitForMessagesAsync("pushed", TimeSpan.FromMilliseconds(50));
        var sent = Enumerable.Range(0, 40).Select(i => NewEnvelope(i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        await producer.SendAsync(sent.Select(envelope => OutgoingMessage.Send(envelope, "pushed")).ToList());

        var received = new List<TransportMessage>();
        await Eventually.HoldsAsync(
            async () =>
            {
                await consumer.WaitForMessagesAsync("pushed", TimeSpan.FromMilliseconds(100));
                var batch = await consumer.ReceiveAsync("pushed", 7, TimeSpan.FromSeconds(30));
                received.AddRange(batch);
                await consumer.CompleteAsync(batch);
                return received.Count >= sent.Count;
            },
            "every message is received");

        Assert.Equal(sent.Select(envelope => envelope.MessageId).Order(), received.Select(message => message.Envelope.MessageId).Order());
        Assert.All(received, message => Assert.Equal(1, message.DeliveryCount));
        Assert.Equal(0, await consumer.GetQueueDepthAsync("pushed"));
    }

    [Fact]
    public async Task IdleConsumer_GivesBackWhatItHeld_WithoutCountingADelivery()
    {
        var idle = Untracked(options => options.ConsumerIdleTimeout = TimeSpan.FromMilliseconds(300));
        var other = await _transports.CreateRabbitMqAsync();
        try
        {
            await idle.InitializeAsync();
            await idle.WaitForMessagesAsync("idle", TimeSpan.FromMilliseconds(50));
            var sent = Enumerable.Range(0, 5).Select(i => NewEnvelope(i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
            await other.SendAsync(sent.Select(envelope => OutgoingMessage.Send(envelope, "idle")).ToList());

            // The idle transport never receives: once its consumer is stopped the other one gets everything.
            var received = new List<TransportMessage>();
            await Eventually.HoldsAsync(
                async () =>
                {
                    var batch = await other.ReceiveAsync("idle", 10, TimeSpan.FromSeconds(30));
                    received.AddRange(batch);
                    await other.CompleteAsync(batch);
                    return received.Count >= sent.Count;
                },
                "the messages come back to the queue");

            Assert.Equal(sent.Select(envelope => envelope.MessageId).Order(), received.Select(message => message.Envelope.MessageId).Order());
            Assert.All(received, message => Assert.Equal(1, message.DeliveryCount));
        }
        finally
        {
            await idle.DisposeAsync();
        }
    }

    [Fact]
    public async Task DisposedTransport_GivesBackWhatItsConsumerHeld_WithoutCountingADelivery()
    {
        var disposed = Untracked(_ => { });
        var other = await _transports.CreateRabbitMqAsync();
        await disposed.InitializeAsync();
        await disposed.WaitForMessagesAsync("stopping", TimeSpan.FromMilliseconds(50));
        var sent = Enumerable.Range(0, 5).Select(i => NewEnvelope(i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        await other.SendAsync(sent.Select(envelope => OutgoingMessage.Send(envelope, "stopping")).ToList());
        await disposed.WaitForMessagesAsync("stopping", TimeSpan.FromSeconds(10));

        await disposed.DisposeAsync();

        var received = new List<TransportMessage>();
        await Eventually.HoldsAsync(
            async () =>
            {
                var batch = await other.ReceiveAsync("stopping", 10, TimeSpan.FromSeconds(30));
                received.AddRange(batch);
                await other.CompleteAsync(batch);
                return received.Count >= sent.Count;
            },
            "the messages come back to the queue");
        Assert.Equal(sent.Select(envelope => envelope.MessageId).Order(), received.Select(message => message.Envelope.MessageId).Order());
        Assert.All(received, message => Assert.Equal(1, message.DeliveryCount));
    }

    /// <summary>A transport with settings of its own on this test's topology; the caller disposes it.</summary>
    private RabbitMqTransport Untracked(Action<RabbitMqTransportOptions> configure)
    {
        var options = new RabbitMqTransportOptions();
        _transports.Configure(options);
        configure(options);
        return new RabbitMqTransport(options, TimeProvider.System, new SharedRandomSource(), NullLogger<RabbitMqTransport>.Instance);
    }

    private static Envelope NewEnvelope(string text) => new()
    {
        MessageId = Guid.CreateVersion7(),
        MessageType = "test.command",
        Priority = MessagePriority.Normal,
        CreatedAt = TimeProvider.System.GetUtcNow(),
        Body = Encoding.UTF8.GetBytes(text),
    };
}
