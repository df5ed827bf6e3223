using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Caravan.Messaging.Tests;
using Microsoft.Extensions.DependencyInjection;

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

    [Fact]
    public async Task Send_ToAFrozenBrokerAfterARestart_FailsWithinItsTimeoutEveryTime_AndSucceedsOnceTheBrokerThaws()
    {
        // The distributed fault test's sequence: the broker restarts, then its VM is SIGSTOPped. Every send must come
        // back (with an error) within a bound, whether it waits for confirms on the old connection, for a channel, or for
        // the handshake of a new connection nobody answers; a send that hangs would stall the outbox relay for good.
        var confirmTimeout = TimeSpan.FromSeconds(2);
        var producer = await _transports.CreateRabbitMqAsync(options =>
        {
            options.ConfirmTimeout = confirmTimeout;
            options.OperationTimeout = confirmTimeout;
        });
        await producer.SendAsync([OutgoingMessage.Send(NewEnvelope(0), "frozen")]);
        await broker.RestartAsync();
        await Eventually.HoldsAsync(async () => await TrySendAsync(producer, NewEnvelope(1)) is null, "a send succeeds after the restart", BrokerComesBack);

        // Longer than two heartbeat intervals, so the client also gives up the old connection by itself meanwhile.
        var frozenFor = TimeSpan.FromSeconds(40);
        var bound = 3 * confirmTimeout + TimeSpan.FromSeconds(5);
        var failures = new List<string>();
        using (broker.Freeze())
        {
            var frozen = Stopwatch.StartNew();
            while (frozen.Elapsed < frozenFor)
            {
                var started = Stopwatch.StartNew();
                var send = TrySendAsync(producer, NewEnvelope(2));
                Exception? failure;
                try
                {
                    failure = await send.WaitAsync(bound);
                }
                catch (TimeoutException)
                {
                    Assert.Fail($"A send to the frozen broker still had not returned after {bound} ({frozen.Elapsed} into the freeze; earlier: {string.Join("; ", failures)}).");
                    throw;
                }

                Assert.NotNull(failure);
                failures.Add($"{started.Elapsed.TotalSeconds:F1} s: {failure.GetType().Name}");
            }
        }

        var last = NewEnvelope(3);
        await Eventually.HoldsAsync(async () => await TrySendAsync(producer, last) is null, "a send succeeds once the broker thawed", BrokerComesBack);
        var consumer = await _transports.CreateRabbitMqAsync();
        var received = new List<TransportMessage>();
        await Eventually.HoldsAsync(
            async () =>
            {
                received.AddRange(await consumer.ReceiveAsync("frozen", 50, TimeSpan.FromMinutes(1)));
                return received.Any(m => m.Envelope.MessageId == last.MessageId);
            },
            "the message sent after the thaw is received");
        await consumer.CompleteAsync(received);
    }

    [Fact]
    public async Task Relay_KeepsClaimingItsUnsentRowsAgainWhileTheBrokerIsFrozen_AndSendsThemOnceItThaws()
    {
        // The stall the distributed fault test met: a relay that retried the send of a batch it had claimed before the
        // broker froze never claimed again, so its claim ran out after ClaimDuration and it sat outside its claim/send
        // cycle (holding nothing) until the broker answered again. Each failed cycle must start over with a new claim.
        var handled = new ConcurrentBag<int>();
        await using var consumer = await MessagingHost.StartAsync(
            "pinged", _transports.Use, _folder.File("pinged.db"), m => m.Handle<Ping>((ping, _, _) => { handled.Add(ping.Number); return Task.CompletedTask; }));
        ClaimCountingOutbox? claims = null;
        await using var producer = await MessagingHost.StartAsync(
            "producer",
            messaging => _transports.Use(messaging, options =>
            {
                options.ConfirmTimeout = TimeSpan.FromSeconds(2);
                options.OperationTimeout = TimeSpan.FromSeconds(2);
            }),
            _folder.File("producer.db"),
            messaging =>
            {
                messaging.Configure(options => options.Outbox.MaxRetryDelay = TimeSpan.FromSeconds(1));
                messaging.Services.AddSingleton<IOutboxStore>(provider =>
                    claims = new ClaimCountingOutbox(new Sqlite.SqliteOutboxStore(provider.GetRequiredService<Sqlite.SqliteServiceDatabase>())));
            });
        await producer.Bus.SendAsync(new Ping(1));
        await Eventually.HoldsAsync(() => handled.Contains(1), "the first ping is handled");
        await broker.RestartAsync();
        await producer.Bus.SendAsync(new Ping(2));
        await Eventually.HoldsAsync(() => handled.Contains(2), "the ping sent after the restart is handled", BrokerComesBack);

        using (broker.Freeze())
        {
            var frozen = Stopwatch.StartNew();
            var before = claims!.NonEmptyClaims;
            await producer.Bus.SendAsync(new Ping(3));
            // ClaimDuration is 2 s here: three claims of the unsent ping mean the relay renewed its claim twice.
            await Eventually.HoldsAsync(() => claims.NonEmptyClaims >= before + 3, "the relay claims the unsent ping again and again while the broker is frozen", TimeSpan.FromSeconds(60));
            Assert.False(handled.Contains(3), $"ping 3 was handled while the broker was frozen ({frozen.Elapsed} after the freeze, {claims.NonEmptyClaims - before} claims, {string.Join(", ", claims.Claimed)})");
        }

        await Eventually.HoldsAsync(() => handled.Contains(3), "the ping is handled once the broker thawed", BrokerComesBack);
    }

    /// <summary>Sends one message; the exception it failed with, or null when the broker confirmed it.</summary>
    private static async Task<Exception?> TrySendAsync(RabbitMqTransport transport, Envelope envelope)
    {
        try
        {
            await transport.SendAsync([OutgoingMessage.Send(envelope, "frozen")]);
            return null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return ex;
        }
    }

    private static Envelope NewEnvelope(int number) => new()
    {
        MessageId = Guid.CreateVersion7(),
        MessageType = "test.ping",
        Priority = (MessagePriority)(1 + (number % 4)),
        CreatedAt = TimeProvider.System.GetUtcNow(),
        Body = Encoding.UTF8.GetBytes($"{{\"number\": {number}}}"),
    };

    /// <summary>The real SQLite outbox, counting the relay's claims that returned rows (the relay is what is under test).</summary>
    private sealed class ClaimCountingOutbox(IOutboxStore inner) : IOutboxStore
    {
        private int _nonEmptyClaims;

        public int NonEmptyClaims => Volatile.Read(ref _nonEmptyClaims);

        public ConcurrentQueue<string> Claimed { get; } = new();

        public Task AddAsync(System.Data.Common.DbTransaction transaction, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default) =>
            inner.AddAsync(transaction, messages, cancellationToken);

        public Task AddAndCommitAsync(DatabaseTransaction transaction, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default) =>
            inner.AddAndCommitAsync(transaction, messages, cancellationToken);

        public async Task<IReadOnlyList<OutboxEntry>> ClaimAsync(
            int maxMessages, DateTimeOffset now, DateTimeOffset? dueBy, TimeSpan claimDuration, CancellationToken cancellationToken = default)
        {
            var claimed = await inner.ClaimAsync(maxMessages, now, dueBy, claimDuration, cancellationToken);
            if (claimed.Count > 0)
            {
                Interlocked.Increment(ref _nonEmptyClaims);
                Claimed.Enqueue($"{string.Join("+", claimed.Select(entry => entry.Id))} at {DateTime.UtcNow:HH:mm:ss.fff}");
            }

            return claimed;
        }

        public Task RemoveAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken = default) => inner.RemoveAsync(entries, cancellationToken);

        public Task<long> CountAsync(CancellationToken cancellationToken = default) => inner.CountAsync(cancellationToken);

        public Task<DateTimeOffset?> GetNextDueAsync(CancellationToken cancellationToken = default) => inner.GetNextDueAsync(cancellationToken);
    }
}
