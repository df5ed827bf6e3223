using System.Text;
using System.Text.Json;
using Caravan.Messaging.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Caravan.Messaging.RabbitMq.Tests;

/// <summary>
/// On RabbitMQ a consumer acknowledges what it handled at once: an unacknowledged delivery holds one of the consumer's
/// prefetch slots until its ack is sent, so a window for completions to gather in would cap the consumer at
/// prefetch / (handling time + window) messages per second.
/// </summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqAcknowledgementTests(RabbitMqBroker broker) : IAsyncLifetime, IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly TransportsForTest _transports = new(broker, RabbitMqQueueType.Classic);
    private readonly TestDirectory _folder = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _transports.CleanUpAsync();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task HandledMessages_AreAcknowledged_WithoutWaitingOnTheClock()
    {
        // The consumer's clock never moves: had its acknowledger waited on it for completions to gather, the handled
        // messages would stay leased and unacknowledged for good.
        var frozen = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
        var received = new Received<Ping>();
        var consumer = await MessagingHost.StartAsync(
            "pinged",
            _transports.Use,
            _folder.File("pinged.db"),
            messaging => messaging.Handle<Ping>((ping, context, _) =>
            {
                received.Add(ping, context);
                return Task.CompletedTask;
            }),
            services => services.AddSingleton<TimeProvider>(frozen));
        try
        {
            var producer = await _transports.CreateRabbitMqAsync();
            var pings = Enumerable.Range(1, 20).Select(number => OutgoingMessage.Send(PingEnvelope(number), "pinged")).ToList();
            await producer.SendAsync(pings);

            await Eventually.HoldsAsync(() => received.Count == pings.Count, "every ping is handled");
            await Eventually.HoldsAsync(
                async () => await consumer.Transport.GetQueueDepthAsync("pinged") == 0,
                "every handled ping is acknowledged: none is ready, leased or buffered");
            Assert.Equal(Enumerable.Range(1, 20), received.Messages.Select(ping => ping.Number).Order());
        }
        finally
        {
            // Bounded: an acknowledger waiting on the frozen clock would keep the host from ever stopping, too.
            await consumer.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    private static Envelope PingEnvelope(int number) => new()
    {
        MessageId = Guid.CreateVersion7(),
        MessageType = "test.ping",
        Priority = MessagePriority.Normal,
        CreatedAt = TimeProvider.System.GetUtcNow(),
        Body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Ping(number), Json)),
    };
}
