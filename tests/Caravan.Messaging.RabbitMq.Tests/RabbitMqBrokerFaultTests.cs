using System.Collections.Concurrent;
using System.Text;
using Caravan.Messaging.Tests;

namespace Caravan.Messaging.RabbitMq.Tests;

/// <summary>
/// Faults that only exist with a real broker: it is restarted mid-test with eng/rabbitmq.sh restart, on a node
/// of these tests' own so that no other test's broker goes away.
/// </summary>
[Collection(PrivateRabbitMqCollection.Name)]
public sealed class RabbitMqBrokerFaultTests(PrivateRabbitMqBroker broker) : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan BrokerComesBack = TimeSpan.FromSeconds(120);
    private readonly TransportsForTest _transports = new(broker, RabbitMqQueueType.Classic);
    private readonly TestDirectory _folder = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _transports.CleanUpAsync();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task ConfirmedMessages_SurviveABrokerRestart_AndALeaseLostWithTheConnectionCountsAsADelivery()
    {
        var producer = await _transports.CreateRabbitMqAsync();
        var sent = Enumerable.Range(0, 20).Select(i => OutgoingMessage.Send(NewEnvelope(i), "durable")).ToList();
        await producer.SendAsync(sent);
        var consumer = await _transports.CreateRabbitMqAsync();
        var leased = Assert.Single(await consumer.ReceiveAsync("durable", 1, TimeSpan.FromMinutes(5)));
        Assert.Equal(1, leased.DeliveryCount);

        await broker.RestartAsync();

        var received = new List<TransportMessage>();
        await Eventually.HoldsAsync(
            async () =>
            {
                try
                {
                    received.AddRange(await consumer.ReceiveAsync("durable", 50, TimeSpan.FromMinutes(5)));
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // The broker is still coming back; the transport reconnects on the next call.
                }

                return received.Count >= sent.Count;
            },
            "every confirmed message is received after the restart",
            BrokerComesBack);

        Assert.Equal(sent.Select(m => m.Envelope.MessageId).Order(), received.Select(m => m.Envelope.MessageId).Order());
        Assert.Equal(2, received.Single(m => m.Envelope.MessageId == leased.Envelope.MessageId).DeliveryCount);
        await consumer.CompleteAsync([leased]);
        Assert.Equal(sent.Count, await consumer.GetQueueDepthAsync("durable"));
        await consumer.CompleteAsync(received);
        Assert.Equal(0, await consumer.GetQueueDepthAsync("durable"));
    }

    [Fact]
    public async Task Consumer_KeepsConsuming_AfterTheBrokerRestarts()
    {
        var handled = new ConcurrentBag<int>();
        await using var consumer = await MessagingHost.StartAsync(
            "pinged", _transports.Use, _folder.File("pinged.db"), m => m.Handle<Ping>((ping, _, _) => { handled.Add(ping.Number); return Task.CompletedTask; }));
        await using var producer = await MessagingHost.StartAsync("producer", _transports.Use, _folder.File("producer.db"));
        await producer.Bus.SendAsync(new Ping(1));
        await Eventually.HoldsAsync(() => handled.Contains(1), "the first ping is handled");

        await broker.RestartAsync();
        await producer.Bus.SendAsync(new Ping(2));

        await Eventually.HoldsAsync(() => handled.Contains(2), "the ping sent after the restart is handled", BrokerComesBack);
        Assert.Equal([1, 2], handled.Order());
    }

    private static Envelope NewEnvelope(int number) => new()
    {
        MessageId = Guid.CreateVersion7(),
        MessageType = "test.ping",
        Priority = (MessagePriority)(1 + (number % 4)),
        CreatedAt = TimeProvider.System.GetUtcNow(),
        Body = Encoding.UTF8.GetBytes($"{{\"number\": {number}}}"),
    };
}
