using Caravan.Messaging.Sqlite;

namespace Caravan.Messaging.Tests.Handling;

/// <summary>How a consumer holds, renews and gives back its leases.</summary>
public sealed class ConsumerLifecycleTests : IDisposable
{
    private readonly TestDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<MessagingHost> StartAsync(string service, Action<MessagingBuilder>? configure = null) =>
        MessagingHost.StartAsync(service, m => m.UseSqliteTransport(_folder.File("broker.db")), _folder.File(service + ".db"), configure);

    /// <summary>Queues ten pings in one commit, from a producer service of its own.</summary>
    private async Task SendTenPingsAsync()
    {
        await using var producer = await StartAsync("producer");
        await using var session = await producer.Bus.BeginAsync();
        for (var i = 0; i < 10; i++)
        {
            session.Send(new Ping(i));
        }

        await session.CommitAsync();
    }

    /// <summary>Waits until all ten are queued and none is ready: the consumer holds them all. Looks without leasing.</summary>
    private Task AllTenLeasedAsync(SqliteTransport observer) =>
        Eventually.HoldsAsync(
            async () =>
            {
                if (await observer.GetQueueDepthAsync("pinged") != 10)
                {
                    return false;
                }

                await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_folder.File("broker.db")}");
                await connection.OpenAsync();
                await using var ready = connection.CreateCommand();
                ready.CommandText = "SELECT COUNT(*) FROM caravan_queue WHERE queue = 'pinged' AND visible_at <= $now";
                ready.Parameters.AddWithValue("$now", TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds());
                return (long)(await ready.ExecuteScalarAsync())! == 0;
            },
            "the consumer has leased all ten");

    /// <summary>The given-back messages are ready now (no lease left to expire) and their delivery did not count.</summary>
    private static async Task AssertReleasedAtOnceAsync(SqliteTransport observer, int expected)
    {
        var released = await observer.ReceiveAsync("pinged", 10, TimeSpan.FromMinutes(5));
        Assert.Equal(expected, released.Count);
        Assert.All(released, message => Assert.Equal(1, message.DeliveryCount));
    }

    private SqliteTransport BareTransport() =>
        new(new SqliteTransportOptions { Path = _folder.File("broker.db") }, TimeProvider.System, new SharedRandomSource());

    [Fact]
    public async Task GracefulStop_FinishesTheRunningHandler_AndReleasesPrefetchedMessagesAtOnce()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var proceed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = 0;
        var consumer = await StartAsync("pinged", m =>
        {
            m.ConfigureConsumer(c => { c.Concurrency = 1; c.Prefetch = 10; c.LeaseDuration = TimeSpan.FromMinutes(5); });
            m.Handle<Ping>(async (_, _, _) =>
            {
                started.TrySetResult();
                await proceed.Task;
                Interlocked.Increment(ref handled);
            });
        });
        using var observer = BareTransport();
        await SendTenPingsAsync();
        await started.Task.WaitAsync(Eventually.DefaultTimeout);
        await AllTenLeasedAsync(observer);

        var stopping = consumer.StopAsync();
        proceed.SetResult();
        await stopping;
        await consumer.DisposeAsync();

        Assert.Equal(1, handled);
        await AssertReleasedAtOnceAsync(observer, 9);
    }

    [Fact]
    public async Task HardStop_WhileHandlersWaitForTheDatabase_GivesTheirMessagesBack()
    {
        var handled = 0;
        var consumer = await StartAsync("pinged", m =>
        {
            m.ConfigureConsumer(c => { c.Concurrency = 2; c.Prefetch = 10; c.MaxBatchSize = 4; c.LeaseDuration = TimeSpan.FromMinutes(5); });
            m.Handle<Ping>((_, _, _) => { Interlocked.Increment(ref handled); return Task.CompletedTask; });
        });
        using var observer = BareTransport();

        // Hold the consumer's database: its handlers cannot begin their transactions.
        var blocker = await consumer.Bus.BeginAsync();
        await SendTenPingsAsync();
        await AllTenLeasedAsync(observer);
        using (var expired = new CancellationTokenSource())
        {
            await expired.CancelAsync();
            await consumer.StopAsync(expired.Token);
        }

        await blocker.DisposeAsync();
        await consumer.DisposeAsync();

        Assert.Equal(0, handled);
        await AssertReleasedAtOnceAsync(observer, 10);
    }

    [Fact]
    public async Task SlowHandler_KeepsItsLeaseAlive_AndIsNotRedelivered()
    {
        var proceed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        await using var consumer = await StartAsync("pinged", m =>
        {
            m.ConfigureConsumer(c => { c.Concurrency = 2; c.Prefetch = 2; c.LeaseDuration = TimeSpan.FromMilliseconds(300); });
            m.Handle<Ping>(async (_, _, _) =>
            {
                Interlocked.Increment(ref calls);
                await proceed.Task;
            });
        });

        await consumer.Bus.SendAsync(new Ping(1));
        await Eventually.HoldsAsync(() => Volatile.Read(ref calls) == 1, "the handler starts");
        var startedAt = TimeProvider.System.GetUtcNow();
        await Eventually.HoldsAsync(() => TimeProvider.System.GetUtcNow() - startedAt > TimeSpan.FromMilliseconds(1500), "five lease durations pass");
        proceed.SetResult();

        await Eventually.HoldsAsync(async () => await consumer.Transport.GetQueueDepthAsync("pinged") == 0, "the message is completed");
        Assert.Equal(1, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task MessageThatKeepsKillingItsConsumers_IsDeadLetteredAsPoison()
    {
        using var crashing = BareTransport();
        await crashing.InitializeAsync();
        var envelope = new Envelope
        {
            MessageId = Guid.CreateVersion7(),
            MessageType = "test.ping",
            CreatedAt = TimeProvider.System.GetUtcNow(),
            Body = "{\"number\": 1}"u8.ToArray(),
        };
        await crashing.SendAsync([OutgoingMessage.Send(envelope, "pinged")]);

        // Three consumers lease it and "die" (never settle); each lease then expires.
        for (var delivery = 1; delivery <= 3; delivery++)
        {
            await Eventually.HoldsAsync(
                async () => (await crashing.ReceiveAsync("pinged", 1, TimeSpan.FromMilliseconds(50))).Count == 1,
                $"delivery {delivery} happens");
        }

        var handled = 0;
        await using var consumer = await StartAsync("pinged", m =>
        {
            m.ConfigureConsumer(c => c.MaxDeliveriesWithoutOutcome = 3);
            m.Handle<Ping>((_, _, _) => { Interlocked.Increment(ref handled); return Task.CompletedTask; });
        });

        await Eventually.HoldsAsync(async () => await consumer.DeadLetters.CountAsync(DeadLetterQuery.All) == 1, "the poison is dead-lettered");
        var dead = Assert.Single(await consumer.DeadLetters.ListAsync(new DeadLetterQuery()));
        Assert.Equal(DeadLetterReason.TooManyDeliveries, dead.Failure.Reason);
        Assert.Equal(0, handled);
    }

    [Fact]
    public async Task InvalidConsumerOptions_FailAtStartWithTheReason()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            StartAsync("pinged", m =>
            {
                m.ConfigureConsumer(c => { c.Concurrency = 8; c.Prefetch = 2; });
                m.Handle<Ping>((_, _, _) => Task.CompletedTask);
            }));

        Assert.Contains("Prefetch", error.Message, StringComparison.Ordinal);
    }
}
