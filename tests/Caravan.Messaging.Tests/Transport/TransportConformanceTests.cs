using System.Collections.Concurrent;
using System.Text;

namespace Caravan.Messaging.Tests.Transport;

/// <summary>
/// The contract every transport must meet, written once and inherited per transport. Tests use real
/// time with short delays and wait on conditions with deadlines; assertions are about order and
/// counts ("not before", "exactly once"), never about how fast something happened.
/// </summary>
public abstract class TransportConformanceTests : IDisposable
{
    protected TestDirectory Folder { get; } = new();

    /// <summary>Points a messaging host at this transport (all hosts of a test share one broker).</summary>
    protected abstract void UseTransport(MessagingBuilder messaging);

    /// <summary>A bare transport on the same broker, for contract checks below the consumer pipeline.</summary>
    protected abstract Task<IMessageTransport> CreateTransportAsync();

    public void Dispose()
    {
        Folder.Dispose();
        GC.SuppressFinalize(this);
    }

    private Task<MessagingHost> StartAsync(string service, Action<MessagingBuilder>? configure = null, string? database = null) =>
        MessagingHost.StartAsync(service, UseTransport, Folder.File(database ?? service + ".db"), configure);

    private static Envelope NewEnvelope(string type, string json, MessagePriority priority = MessagePriority.Normal, DateTimeOffset? deliverAt = null) => new()
    {
        MessageId = Guid.CreateVersion7(),
        MessageType = type,
        Priority = priority,
        CreatedAt = TimeProvider.System.GetUtcNow(),
        DeliverAt = deliverAt,
        Body = Encoding.UTF8.GetBytes(json),
        Headers = new Dictionary<string, string> { ["origin"] = "conformance" },
    };

    [Fact]
    public async Task Send_DeliversCommandToTheQueueItIsRoutedTo()
    {
        var received = new Received<Ping>();
        await using var consumer = await StartAsync("pinged", m => m.Handle<Ping>((ping, context, _) => { received.Add(ping, context); return Task.CompletedTask; }));
        await using var producer = await StartAsync("producer");

        await producer.Bus.SendAsync(new Ping(7, "hello"));

        await Eventually.HoldsAsync(() => received.Count == 1, "the ping is handled");
        Assert.Equal(new Ping(7, "hello"), received.Messages[0]);
        Assert.Equal("producer", received.Envelopes[0].ReplyTo);
        Assert.Equal(1, received.Envelopes[0].Attempt);
    }

    [Fact]
    public async Task Publish_GivesEverySubscribedServiceACopy_AndInstancesOfOneServiceCompete()
    {
        var billing = new ConcurrentBag<Guid>();
        var audit = new ConcurrentBag<Guid>();
        Action<MessagingBuilder> billingHandler = m => m.Handle<OrderPlaced>((order, _, _) => { billing.Add(order.OrderId); return Task.CompletedTask; });
        await using var billing1 = await StartAsync("billing", billingHandler, "billing.db");
        await using var billing2 = await StartAsync("billing", billingHandler, "billing.db");
        await using var auditor = await StartAsync("audit", m => m.Handle<OrderPlaced>((order, _, _) => { audit.Add(order.OrderId); return Task.CompletedTask; }));
        await using var producer = await StartAsync("orders");

        var orders = Enumerable.Range(0, 60).Select(_ => Guid.NewGuid()).ToList();
        foreach (var order in orders)
        {
            await producer.Bus.PublishAsync(new OrderPlaced(order, 10m));
        }

        await Eventually.HoldsAsync(() => billing.Count >= orders.Count && audit.Count >= orders.Count, "both services handled every order");
        await billing1.StopAsync();
        await billing2.StopAsync();
        await auditor.StopAsync();
        Assert.Equal(orders.Order(), billing.Order());
        Assert.Equal(orders.Order(), audit.Order());
    }

    [Fact]
    public async Task Receive_DeliversReadyMessagesByPriority_ThenInEnqueueOrder()
    {
        var transport = await CreateTransportAsync();
        var sent = new[]
        {
            NewEnvelope("t", "1", MessagePriority.Low), NewEnvelope("t", "2", MessagePriority.Normal),
            NewEnvelope("t", "3", MessagePriority.Critical), NewEnvelope("t", "4", MessagePriority.High),
            NewEnvelope("t", "5", MessagePriority.Normal), NewEnvelope("t", "6", MessagePriority.Critical),
            NewEnvelope("t", "7", MessagePriority.Low), NewEnvelope("t", "8", MessagePriority.High),
        };
        foreach (var envelope in sent)
        {
            await transport.SendAsync([OutgoingMessage.Send(envelope, "prio")]);
        }

        var order = new List<string>();
        for (var i = 0; i < sent.Length; i++)
        {
            var batch = await transport.ReceiveAsync("prio", 1, TimeSpan.FromSeconds(30));
            order.Add(Encoding.UTF8.GetString(Assert.Single(batch).Envelope.Body.Span));
            await transport.CompleteAsync(batch);
        }

        Assert.Equal(["3", "6", "4", "8", "2", "5", "1", "7"], order);
    }

    [Fact]
    public async Task Receive_InABatch_ReturnsHighestPriorityFirst()
    {
        var transport = await CreateTransportAsync();
        await transport.SendAsync(
        [
            OutgoingMessage.Send(NewEnvelope("t", "low", MessagePriority.Low), "batch"),
            OutgoingMessage.Send(NewEnvelope("t", "critical", MessagePriority.Critical), "batch"),
            OutgoingMessage.Send(NewEnvelope("t", "normal", MessagePriority.Normal), "batch"),
        ]);

        var batch = await transport.ReceiveAsync("batch", 10, TimeSpan.FromSeconds(30));

        Assert.Equal(["critical", "normal", "low"], batch.Select(m => Encoding.UTF8.GetString(m.Envelope.Body.Span)));
    }

    [Fact]
    public async Task DelayedMessage_IsNotDeliveredBeforeItsTime()
    {
        var transport = await CreateTransportAsync();
        var due = TimeProvider.System.GetUtcNow().AddMilliseconds(400);
        await transport.SendAsync([OutgoingMessage.Send(NewEnvelope("t", "later", deliverAt: due), "delayed")]);

        Assert.Empty(await transport.ReceiveAsync("delayed", 10, TimeSpan.FromSeconds(30)));

        IReadOnlyList<TransportMessage> batch = [];
        await Eventually.HoldsAsync(
            async () =>
            {
                await transport.WaitForMessagesAsync("delayed", TimeSpan.FromMilliseconds(100));
                batch = await transport.ReceiveAsync("delayed", 10, TimeSpan.FromSeconds(30));
                return batch.Count == 1;
            },
            "the delayed message becomes deliverable");
        Assert.True(TimeProvider.System.GetUtcNow() >= due, "delivered before its time");
    }

    [Fact]
    public async Task ScheduledCommand_IsHandledAfterItsTime()
    {
        var handledAt = new ConcurrentBag<DateTimeOffset>();
        await using var consumer = await StartAsync("pinged", m => m.Handle<Ping>((_, _, _) => { handledAt.Add(TimeProvider.System.GetUtcNow()); return Task.CompletedTask; }));
        await using var producer = await StartAsync("producer");
        var due = TimeProvider.System.GetUtcNow().AddMilliseconds(500);

        await producer.Bus.ScheduleAsync(new Ping(1), due);

        await Eventually.HoldsAsync(() => !handledAt.IsEmpty, "the scheduled ping is handled");
        Assert.True(handledAt.Single() >= due, "handled before its time");
    }

    [Fact]
    public async Task ExpiredLease_MakesTheMessageDeliverableToAnotherConsumer()
    {
        var first = await CreateTransportAsync();
        var second = await CreateTransportAsync();
        var envelope = NewEnvelope("t", "x");
        await first.SendAsync([OutgoingMessage.Send(envelope, "leases")]);

        var leased = Assert.Single(await first.ReceiveAsync("leases", 1, TimeSpan.FromMilliseconds(300)));
        Assert.Empty(await second.ReceiveAsync("leases", 1, TimeSpan.FromSeconds(30)));

        // The first consumer "dies": it never completes. After the lease, the second one gets it.
        IReadOnlyList<TransportMessage> again = [];
        await Eventually.HoldsAsync(
            async () => (again = await second.ReceiveAsync("leases", 1, TimeSpan.FromSeconds(30))).Count == 1,
            "the message is redelivered");
        Assert.Equal(envelope.MessageId, again[0].Envelope.MessageId);
        Assert.Equal(2, again[0].DeliveryCount);

        // The first consumer's stale lease can no longer complete it.
        await first.CompleteAsync([leased]);
        Assert.Equal(1, await second.GetQueueDepthAsync("leases"));
        await second.CompleteAsync(again);
        Assert.Equal(0, await second.GetQueueDepthAsync("leases"));
    }

    [Fact]
    public async Task RenewedLease_KeepsTheMessageInvisible()
    {
        var transport = await CreateTransportAsync();
        await transport.SendAsync([OutgoingMessage.Send(NewEnvelope("t", "x"), "renew")]);
        var leased = await transport.ReceiveAsync("renew", 1, TimeSpan.FromMilliseconds(300));

        await transport.RenewLeasesAsync(leased, TimeSpan.FromSeconds(30));
        var renewedAt = TimeProvider.System.GetUtcNow();
        await Eventually.HoldsAsync(() => TimeProvider.System.GetUtcNow() > renewedAt.AddMilliseconds(400), "the original lease would have expired");

        Assert.Empty(await transport.ReceiveAsync("renew", 1, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task CompetingConsumers_NeverLeaseTheSameMessageTwice()
    {
        var producer = await CreateTransportAsync();
        var messages = Enumerable.Range(0, 300).Select(i => OutgoingMessage.Send(NewEnvelope("t", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), "compete")).ToList();
        await producer.SendAsync(messages);
        var consumers = new[] { await CreateTransportAsync(), await CreateTransportAsync(), await CreateTransportAsync() };
        var seen = new ConcurrentBag<Guid>();

        await Task.WhenAll(consumers.Select(consumer => Task.Run(async () =>
        {
            while (true)
            {
                var batch = await consumer.ReceiveAsync("compete", 7, TimeSpan.FromSeconds(30));
                if (batch.Count == 0)
                {
                    return;
                }

                foreach (var message in batch)
                {
                    seen.Add(message.Envelope.MessageId);
                }

                await consumer.CompleteAsync(batch);
            }
        })));

        Assert.Equal(messages.Count, seen.Count);
        Assert.Equal(messages.Select(m => m.Envelope.MessageId).Order(), seen.Order());
    }

    [Fact]
    public async Task FailingHandler_IsRetriedImmediatelyThenWithGrowingDelays_AndSucceeds()
    {
        var calls = new ConcurrentQueue<(int Attempt, DateTimeOffset At)>();
        await using var consumer = await StartAsync("pinged", m => m.Handle<Ping>((_, context, _) =>
        {
            calls.Enqueue((context.Message.Attempt, TimeProvider.System.GetUtcNow()));
            return calls.Count <= 4 ? throw new InvalidOperationException("not yet") : Task.CompletedTask;
        }));

        await consumer.Bus.SendAsync(new Ping(1));

        await Eventually.HoldsAsync(() => calls.Count == 5, "the fifth call succeeds");
        var list = calls.ToList();

        // ImmediateRetries = 1: two calls per delivery. Delayed retries after ~100 ms and ~200 ms (base 50 ms × 2^n).
        Assert.Equal([1, 1, 2, 2, 3], list.Select(c => c.Attempt));
        Assert.True(list[2].At - list[1].At >= TimeSpan.FromMilliseconds(95), "first delayed retry came too early");
        Assert.True(list[4].At - list[3].At >= TimeSpan.FromMilliseconds(195), "second delayed retry came too early");
        Assert.Equal(0, await consumer.DeadLetters.CountAsync(DeadLetterQuery.All));
    }

    [Fact]
    public async Task AlwaysFailingHandler_IsDeadLetteredAfterTheLastAttempt_WithTheReason()
    {
        var calls = 0;
        await using var consumer = await StartAsync("pinged", m => m.Handle<Ping>((_, _, _) =>
        {
            Interlocked.Increment(ref calls);
            throw new InvalidOperationException("payment provider is down");
        }));

        await consumer.Bus.SendAsync(new Ping(1), new MessageOptions { Headers = new Dictionary<string, string> { ["tenant"] = "t-1" } });

        await Eventually.HoldsAsync(async () => await consumer.DeadLetters.CountAsync(DeadLetterQuery.All) == 1, "the ping is dead-lettered");
        var dead = Assert.Single(await consumer.DeadLetters.ListAsync(new DeadLetterQuery()));
        Assert.Equal(6, calls);
        Assert.Equal("pinged", dead.Queue);
        Assert.Equal("test.ping", dead.Envelope.MessageType);
        Assert.Equal("t-1", dead.Envelope.Headers["tenant"]);
        Assert.Equal(DeadLetterReason.RetriesExhausted, dead.Failure.Reason);
        Assert.Equal(typeof(InvalidOperationException).FullName, dead.Failure.ExceptionType);
        Assert.Equal("payment provider is down", dead.Failure.Message);
        Assert.Contains("payment provider is down", dead.Failure.StackTrace, StringComparison.Ordinal);
        Assert.Equal(6, dead.Failure.Attempts);
        Assert.Equal(0, await consumer.Transport.GetQueueDepthAsync("pinged"));
    }

    [Fact]
    public async Task ReplayedDeadLetter_IsHandledWithAFreshRetryBudget()
    {
        var healthy = false;
        var handled = new Received<Ping>();
        await using var consumer = await StartAsync("pinged", m => m.Handle<Ping>((ping, context, _) =>
        {
            if (!Volatile.Read(ref healthy))
            {
                throw new InvalidOperationException("down");
            }

            handled.Add(ping, context);
            return Task.CompletedTask;
        }));
        await consumer.Bus.SendAsync(new Ping(1));
        await consumer.Bus.SendAsync(new Ping(2));
        await Eventually.HoldsAsync(async () => await consumer.DeadLetters.CountAsync(DeadLetterQuery.All) == 2, "both pings are dead-lettered");
        var dead = await consumer.DeadLetters.ListAsync(new DeadLetterQuery { Queue = "pinged" });

        Volatile.Write(ref healthy, true);
        Assert.True(await consumer.DeadLetters.ReplayAsync(dead[0].Id));
        await Eventually.HoldsAsync(() => handled.Count == 1, "the replayed ping is handled");
        Assert.Equal(1, handled.Envelopes[0].Attempt);
        Assert.Equal(1, await consumer.DeadLetters.ReplayAsync(new DeadLetterQuery { MessageType = "test.ping" }));
        await Eventually.HoldsAsync(() => handled.Count == 2, "the second ping is handled after replay by type");

        Assert.Equal([1, 2], handled.Messages.Select(p => p.Number).Order());
        Assert.Equal(0, await consumer.DeadLetters.CountAsync(DeadLetterQuery.All));
        Assert.False(await consumer.DeadLetters.ReplayAsync(dead[0].Id));
    }

    [Fact]
    public async Task PoisonMessages_GoStraightToTheDeadLetterQueue_AndDoNotBlockTheQueue()
    {
        var handled = new ConcurrentBag<int>();
        var poisonCalls = 0;
        await using var consumer = await StartAsync(
            "pinged",
            m =>
            {
                m.Handle<Ping>((ping, _, _) => { handled.Add(ping.Number); return Task.CompletedTask; });
                m.Handle<Poison>((poison, _, _) =>
                {
                    Interlocked.Increment(ref poisonCalls);
                    throw new PermanentMessageException($"invalid: {poison.Why}");
                });
                m.ConfigureConsumer(c => { c.Concurrency = 1; c.Prefetch = 1; });
            });
        var transport = await CreateTransportAsync();

        await transport.SendAsync(
        [
            OutgoingMessage.Send(NewEnvelope("test.no-such-type", "{}"), "pinged"),
            OutgoingMessage.Send(NewEnvelope("test.ping", "{ not json"), "pinged"),
            OutgoingMessage.Send(NewEnvelope("test.ping", "{\"number\": \"not a number\"}"), "pinged"),
            OutgoingMessage.Send(NewEnvelope("test.pong", "{\"number\": 1}"), "pinged"),
            OutgoingMessage.Send(NewEnvelope("test.poison", "{\"why\": \"negative quantity\"}"), "pinged"),
            .. Enumerable.Range(1, 20).Select(i => OutgoingMessage.Send(NewEnvelope("test.ping", $"{{\"number\": {i}}}"), "pinged")),
        ]);

        await Eventually.HoldsAsync(() => handled.Count == 20, "every good message behind the poison is handled");
        await Eventually.HoldsAsync(async () => await consumer.DeadLetters.CountAsync(DeadLetterQuery.All) == 5, "the five bad ones are dead-lettered");
        var reasons = (await consumer.DeadLetters.ListAsync(new DeadLetterQuery())).Select(d => d.Failure.Reason).ToList();
        Assert.Equal(
            [DeadLetterReason.UnknownMessageType, DeadLetterReason.DeserializationFailed, DeadLetterReason.DeserializationFailed, DeadLetterReason.NoHandler, DeadLetterReason.PermanentFailure],
            reasons);
        Assert.Equal(1, poisonCalls);
    }

    [Fact]
    public async Task RedeliveredDuplicate_IsAcknowledgedWithoutRunningTheHandlerAgain()
    {
        var handled = 0;
        await using var consumer = await StartAsync("pinged", m => m.Handle<Ping>((_, _, _) => { Interlocked.Increment(ref handled); return Task.CompletedTask; }));
        var transport = await CreateTransportAsync();
        var envelope = NewEnvelope("test.ping", "{\"number\": 1}");

        await transport.SendAsync([OutgoingMessage.Send(envelope, "pinged")]);
        await Eventually.HoldsAsync(() => Volatile.Read(ref handled) == 1, "the original is handled");
        await transport.SendAsync([OutgoingMessage.Send(envelope, "pinged"), OutgoingMessage.Send(envelope, "pinged")]);

        await Eventually.HoldsAsync(async () => await transport.GetQueueDepthAsync("pinged") == 0, "the duplicates are acknowledged");
        Assert.Equal(1, Volatile.Read(ref handled));
    }

    [Fact]
    public async Task DeadLetters_CanBeFilteredInspectedAndPurged()
    {
        var transport = await CreateTransportAsync();
        await using var consumer = await StartAsync("pinged", m => m.Handle<Ping>((_, _, _) => Task.CompletedTask));
        await transport.SendAsync(
        [
            OutgoingMessage.Send(NewEnvelope("test.unknown-a", "{}"), "pinged"),
            OutgoingMessage.Send(NewEnvelope("test.unknown-b", "{}"), "pinged"),
            OutgoingMessage.Send(NewEnvelope("test.unknown-a", "{}"), "pinged"),
        ]);
        await Eventually.HoldsAsync(async () => await consumer.DeadLetters.CountAsync(DeadLetterQuery.All) == 3, "all three are dead-lettered");

        var ofA = await consumer.DeadLetters.ListAsync(new DeadLetterQuery { MessageType = "test.unknown-a" });
        Assert.Equal(2, ofA.Count);
        var inspected = await consumer.DeadLetters.GetAsync(ofA[0].Id);
        Assert.NotNull(inspected);
        Assert.Equal("conformance", inspected.Envelope.Headers["origin"]);
        Assert.Empty(await consumer.DeadLetters.ListAsync(new DeadLetterQuery { Queue = "elsewhere" }));
        Assert.Empty(await consumer.DeadLetters.ListAsync(new DeadLetterQuery { From = TimeProvider.System.GetUtcNow().AddMinutes(1) }));
        Assert.Equal(2, (await consumer.DeadLetters.ListAsync(new DeadLetterQuery { Limit = 2 })).Count);

        Assert.Equal(2, await consumer.DeadLetters.PurgeAsync(new DeadLetterQuery { MessageType = "test.unknown-a" }));
        var left = Assert.Single(await consumer.DeadLetters.ListAsync(new DeadLetterQuery()));
        Assert.Equal("test.unknown-b", left.Envelope.MessageType);
    }
}
