using System.Collections.Concurrent;
using Caravan.Messaging.Postgres;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Caravan.Storage.Tests;

/// <summary>
/// Services whose outbox, inbox and business data live in PostgreSQL, wired with
/// <see cref="PostgresMessagingBuilderExtensions.UsePostgresDatabase"/>, exchanging messages over the
/// embedded broker: storage is chosen by configuration and nothing else changes.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresMessagingTests(PostgresServer server) : IAsyncLifetime, IDisposable
{
    private readonly TestDirectory _folder = new();
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];
    private readonly List<IHost> _hosts = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.StopAsync();
            host.Dispose();
        }

        foreach (var service in new[] { "orders", "billing" })
        {
            await server.DropAsync(new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = $"{service}_{_suffix}" }.ConnectionString);
        }
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task CommittedSession_IsDeliveredOnce_ToAServiceThatRecordsItInItsOwnDatabase()
    {
        var handled = new ConcurrentBag<Guid>();
        var billing = await StartAsync("billing", "invoices", messaging => messaging.Handle<OrderPlaced>(async (order, context, cancellationToken) =>
        {
            await context.Connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO invoices (order_id) VALUES (@OrderId)", order, context.Transaction, cancellationToken: cancellationToken));
            handled.Add(order.OrderId);
        }));
        var orders = await StartAsync("orders", "orders");
        var orderId = Guid.NewGuid();

        await using (var session = await orders.Services.GetRequiredService<IMessageBus>().BeginAsync())
        {
            await session.Connection.ExecuteAsync("INSERT INTO orders (order_id) VALUES (@orderId)", new { orderId }, session.Transaction);
            session.Publish(new OrderPlaced(orderId));
            await session.CommitAsync();
        }

        await Eventually.HoldsAsync(() => handled.Contains(orderId), "billing handled the event");
        var ordersOutbox = orders.Services.GetRequiredService<IOutboxStore>();
        await Eventually.HoldsAsync(async () => await ordersOutbox.CountAsync() == 0, "the orders outbox is relayed and emptied");

        // Each service wrote to a database of its own, named after it; billing's inbox holds the event.
        var billingDatabase = (PostgresServiceDatabase)billing.Services.GetRequiredService<IServiceDatabase>();
        Assert.Equal($"billing_{_suffix}", billingDatabase.DatabaseName);
        await using var connection = await billingDatabase.OpenConnectionAsync();
        Assert.Equal([orderId], await connection.QueryAsync<Guid>("SELECT order_id FROM invoices"));
        Assert.Equal(1, await connection.QuerySingleAsync<int>("SELECT count(*)::int FROM caravan_inbox"));
        Assert.Single(handled);
    }

    [Fact]
    public async Task Batch_KeepsTheOthersOnce_WhileAFailingMessageRetriesAndIsDeadLetteredAlone()
    {
        var bad = Guid.NewGuid();
        var billing = await StartAsync("billing", "invoices", messaging =>
        {
            messaging.ConfigureConsumer(consumer => { consumer.Concurrency = 1; consumer.MaxBatchSize = 32; });
            messaging.Configure(options => options.Retry = new RetryPolicy
            {
                ImmediateRetries = 1, DelayedRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(50), JitterFactor = 0,
            });
            messaging.Handle<OrderPlaced>(async (order, context, cancellationToken) =>
            {
                // A primary key: a second effect of one message would fail, not hide.
                await context.Connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO invoices (order_id) VALUES (@OrderId)", order, context.Transaction, cancellationToken: cancellationToken));
                if (order.OrderId == bad)
                {
                    throw new InvalidOperationException("this order cannot be invoiced");
                }
            });
        });
        var orders = await StartAsync("orders", "orders");
        var good = Enumerable.Range(0, 19).Select(_ => Guid.NewGuid()).ToList();
        await using (var session = await orders.Services.GetRequiredService<IMessageBus>().BeginAsync())
        {
            foreach (var id in good.Take(10).Append(bad).Concat(good.Skip(10)))
            {
                session.Publish(new OrderPlaced(id));
            }

            await session.CommitAsync();
        }

        var deadLetters = billing.Services.GetRequiredService<IDeadLetterQueue>();
        await Eventually.HoldsAsync(async () => await deadLetters.CountAsync(DeadLetterQuery.All) == 1, "the failing order is dead-lettered");
        var database = billing.Services.GetRequiredService<IServiceDatabase>();
        await using var connection = await database.OpenConnectionAsync();
        await Eventually.HoldsAsync(
            async () => await connection.QuerySingleAsync<int>("SELECT count(*)::int FROM invoices") == good.Count, "every other order is invoiced");

        Assert.Equal(good.Order(), (await connection.QueryAsync<Guid>("SELECT order_id FROM invoices")).Order());
        Assert.Equal(good.Count, await connection.QuerySingleAsync<int>("SELECT count(*)::int FROM caravan_inbox"));
        var dead = Assert.Single(await deadLetters.ListAsync(new DeadLetterQuery()));
        Assert.Equal(4, dead.Failure.Attempts);
    }

    [Fact]
    public async Task Batch_RetriesDeadlocksAndSerializationFailuresOnTheSpot_WithoutCountingThemAsFailedAttempts()
    {
        // No retries at all for real failures: a deadlock or serialization failure counted as an attempt would dead-letter.
        // The server raises the real errors (SQLSTATE 40P01 and 40001) inside the handler's transaction, as its deadlock
        // detector would for a batch that met another instance's batch locking the same rows in the other order.
        var deadlocked = Guid.NewGuid();
        var unserializable = Guid.NewGuid();
        var raised = new ConcurrentDictionary<Guid, int>();
        var billing = await StartAsync("billing", "invoices", messaging =>
        {
            messaging.ConfigureConsumer(consumer => { consumer.Concurrency = 1; consumer.MaxBatchSize = 32; });
            messaging.Configure(options => options.Retry = new RetryPolicy { ImmediateRetries = 0, DelayedRetries = 0 });
            messaging.Handle<OrderPlaced>(async (order, context, cancellationToken) =>
            {
                await context.Connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO invoices (order_id) VALUES (@OrderId)", order, context.Transaction, cancellationToken: cancellationToken));
                var times = order.OrderId == deadlocked ? 1 : order.OrderId == unserializable ? 2 : 0;
                if (raised.GetOrAdd(order.OrderId, 0) < times)
                {
                    raised.AddOrUpdate(order.OrderId, 1, (_, count) => count + 1);
                    var state = order.OrderId == deadlocked ? "40P01" : "40001";
                    await context.Connection.ExecuteAsync(new CommandDefinition(
                        $"DO $$ BEGIN RAISE EXCEPTION 'conflict raised by the test' USING ERRCODE = '{state}'; END $$",
                        transaction: context.Transaction,
                        cancellationToken: cancellationToken));
                }
            });
        });
        var orders = await StartAsync("orders", "orders");
        var all = Enumerable.Range(0, 18).Select(_ => Guid.NewGuid()).Append(deadlocked).Append(unserializable).ToList();
        await using (var session = await orders.Services.GetRequiredService<IMessageBus>().BeginAsync())
        {
            foreach (var id in all)
            {
                session.Publish(new OrderPlaced(id));
            }

            await session.CommitAsync();
        }

        var database = billing.Services.GetRequiredService<IServiceDatabase>();
        await using var connection = await database.OpenConnectionAsync();
        await Eventually.HoldsAsync(
            async () => await connection.QuerySingleAsync<int>("SELECT count(*)::int FROM invoices") == all.Count, "every order is invoiced");

        Assert.Equal(all.Order(), (await connection.QueryAsync<Guid>("SELECT order_id FROM invoices")).Order());
        Assert.Equal(all.Count, await connection.QuerySingleAsync<int>("SELECT count(*)::int FROM caravan_inbox"));
        Assert.Equal(1, raised[deadlocked]);
        Assert.Equal(2, raised[unserializable]);
        Assert.Equal(0, await billing.Services.GetRequiredService<IDeadLetterQueue>().CountAsync(DeadLetterQuery.All));
    }

    /// <summary>Starts a service whose business data is one table of order ids.</summary>
    private async Task<IHost> StartAsync(string service, string table, Action<MessagingBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddCaravanMessaging($"{service}_{_suffix}", messaging =>
        {
            messaging.UseSqliteTransport(_folder.File("broker.db"));

            // No database in the connection string: the service's own, named after it, created at start.
            messaging.UsePostgresDatabase(server.ConnectionString);
            messaging.AddMessage<OrderPlaced>("test.order-placed");
            messaging.Configure(options => options.Outbox.PollInterval = TimeSpan.FromMilliseconds(200));
            configure?.Invoke(messaging);
        });
        var host = builder.Build();
        _hosts.Add(host);
        await host.Services.GetRequiredService<IServiceDatabase>().InitializeAsync();
        await using (var transaction = await host.Services.GetRequiredService<IServiceDatabase>().BeginTransactionAsync())
        {
            await transaction.Connection.ExecuteAsync($"CREATE TABLE IF NOT EXISTS {table} (order_id uuid PRIMARY KEY)", transaction: transaction.Transaction);
            await transaction.CommitAsync();
        }

        await host.StartAsync();
        return host;
    }
}

public sealed record OrderPlaced(Guid OrderId);
