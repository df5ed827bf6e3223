using System.Collections.Concurrent;
using Caravan.Messaging.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Caravan.Messaging.Tests.Handling;

/// <summary>Several messages in one transaction, each in its own savepoint.</summary>
public sealed class BatchHandlingTests : IDisposable
{
    private static readonly System.Text.Json.JsonSerializerOptions WebJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    private readonly TestDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<MessagingHost> StartAsync(string service, Action<MessagingBuilder>? configure = null) =>
        MessagingHost.StartAsync(service, m => m.UseSqliteTransport(_folder.File("broker.db")), _folder.File(service + ".db"), configure);

    [Fact]
    public async Task FailingMessageInABatch_IsRolledBackAlone_AndKeepsItsRetryBudget()
    {
        using var observer = new SqliteTransport(new SqliteTransportOptions { Path = _folder.File("broker.db") }, TimeProvider.System, new SharedRandomSource());
        await using (var producer = await StartAsync("producer"))
        {
            await using var session = await producer.Bus.BeginAsync();
            for (var i = 1; i <= 20; i++)
            {
                session.Send(new Ping(i));
            }

            await session.CommitAsync();
            await Eventually.HoldsAsync(async () => await observer.GetQueueDepthAsync("pinged") == 20, "all twenty are queued");
        }

        var attemptsOfFive = new ConcurrentQueue<int>();
        await using var consumer = await StartAsync("pinged", m =>
        {
            m.ConfigureConsumer(c => { c.Concurrency = 1; c.Prefetch = 64; c.MaxBatchSize = 32; });
            m.Handle<Ping>(async (ping, context, cancellationToken) =>
            {
                await using (var command = context.Connection.CreateCommand())
                {
                    command.Transaction = context.Transaction;
                    command.CommandText = "CREATE TABLE IF NOT EXISTS effects (number INTEGER NOT NULL); INSERT INTO effects (number) VALUES ($n)";
                    command.Parameters.Add(new SqliteParameter("$n", ping.Number));
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }

                if (ping.Number == 5)
                {
                    attemptsOfFive.Enqueue(context.Message.Attempt);
                    throw new InvalidOperationException("five is unlucky");
                }
            });
        });

        // On a timeout the message shows where ping 5 stands: its attempts so far and the broker's rows.
        await Eventually.ReturnsAsync(
            async () => (DeadLetters: await consumer.DeadLetters.CountAsync(DeadLetterQuery.All), AttemptsOfFive: string.Join(",", attemptsOfFive), Broker: await BrokerRowsAsync()),
            seen => seen.DeadLetters == 1,
            "the failing ping is dead-lettered");
        await Eventually.ReturnsAsync(
            async () => (Depth: await observer.GetQueueDepthAsync("pinged"), Broker: await BrokerRowsAsync()),
            seen => seen.Depth == 0,
            "every other ping is completed");

        var database = consumer.Services.GetRequiredService<IServiceDatabase>();
        await using var connection = await database.OpenConnectionAsync();
        await using var query = connection.CreateCommand();
        query.CommandText = "SELECT number FROM effects ORDER BY number";
        var effects = new List<long>();
        await using (var reader = await query.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                effects.Add(reader.GetInt64(0));
            }
        }

        Assert.Equal(Enumerable.Range(1, 20).Where(n => n != 5).Select(n => (long)n), effects);
        Assert.Equal([1, 1, 2, 2, 3, 3], attemptsOfFive);
        var dead = Assert.Single(await consumer.DeadLetters.ListAsync(new DeadLetterQuery()));
        Assert.Equal(6, dead.Failure.Attempts);
    }

    [Fact]
    public async Task Batch_SendsTheOutgoingMessagesOfTheMessagesThatCommitted()
    {
        var replies = new ConcurrentBag<int>();
        await using var requester = await StartAsync("requester", m => m.Handle<Pong>((pong, _, _) => { replies.Add(pong.Number); return Task.CompletedTask; }));
        await using var responder = await StartAsync("pinged", m =>
        {
            m.ConfigureConsumer(c => { c.Concurrency = 1; c.MaxBatchSize = 32; });
            m.Handle<Ping>((ping, context, _) =>
            {
                context.Reply(new Pong(ping.Number));
                return ping.Number % 4 == 0 ? throw new PermanentMessageException("multiples of four are invalid") : Task.CompletedTask;
            });
        });

        await using (var session = await requester.Bus.BeginAsync())
        {
            for (var i = 1; i <= 12; i++)
            {
                session.Send(new Ping(i));
            }

            await session.CommitAsync();
        }

        await Eventually.HoldsAsync(() => replies.Count == 9, "the nine valid pings are answered");
        await Eventually.HoldsAsync(async () => await responder.DeadLetters.CountAsync(DeadLetterQuery.All) == 3, "the three invalid ones are dead-lettered");
        Assert.Equal([1, 2, 3, 5, 6, 7, 9, 10, 11], replies.Order());
    }

    [Fact]
    public async Task MessageGivenTwiceInOneBatch_IsHandledOnce_AndBothCopiesAreCompleted()
    {
        using var broker = new SqliteTransport(new SqliteTransportOptions { Path = _folder.File("broker.db") }, TimeProvider.System, new SharedRandomSource());
        await broker.InitializeAsync();
        var twice = NewPing(7);
        await broker.SendAsync([OutgoingMessage.Send(twice, "pinged"), OutgoingMessage.Send(NewPing(8), "pinged"), OutgoingMessage.Send(twice, "pinged")]);

        var handled = new ConcurrentQueue<int>();
        await using var consumer = await StartAsync("pinged", m =>
        {
            m.ConfigureConsumer(c => { c.Concurrency = 1; c.MaxBatchSize = 32; });
            m.Handle<Ping>((ping, _, _) =>
            {
                handled.Enqueue(ping.Number);
                return Task.CompletedTask;
            });
        });

        await Eventually.HoldsAsync(async () => await broker.GetQueueDepthAsync("pinged") == 0, "all three copies are completed");
        Assert.Equal([7, 8], handled.Order());
        Assert.Equal(0, await consumer.DeadLetters.CountAsync(DeadLetterQuery.All));
    }

    /// <summary>Each queued row as seq:visible-in-ms:leased:deliveries:failures, for a timeout's message.</summary>
    private async Task<string> BrokerRowsAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={_folder.File("broker.db")};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, visible_at, lease_token IS NOT NULL, delivery_count, failure_count FROM caravan_queue ORDER BY seq";
        var rows = new List<string>();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add($"{reader.GetInt64(0)}:{reader.GetInt64(1) - now}:{reader.GetInt64(2)}:{reader.GetInt64(3)}:{reader.GetInt64(4)}");
        }

        return $"[{string.Join(" ", rows)}]";
    }

    private static Envelope NewPing(int number) => new()
    {
        MessageId = Guid.CreateVersion7(),
        MessageType = "test.ping",
        CreatedAt = DateTimeOffset.UnixEpoch,
        Body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new Ping(number), WebJson),
    };
}
