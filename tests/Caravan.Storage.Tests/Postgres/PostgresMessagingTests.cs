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
