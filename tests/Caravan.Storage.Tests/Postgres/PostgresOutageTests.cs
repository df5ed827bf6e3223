using System.Collections.Concurrent;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Caravan.Storage.Tests;

/// <summary>
/// A consuming service whose PostgreSQL database is stopped for longer than its whole retry schedule while messages
/// keep arriving over the embedded broker. The failures say nothing about the messages, so none may be dead-lettered:
/// each goes back uncounted, the consumer pauses, and everything is handled once the server is back. Runs its own
/// server, so that stopping it disturbs no other test.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresOutageTests : IAsyncLifetime, IDisposable
{
    private readonly TestDirectory _folder = new();
    private readonly List<IHost> _hosts = [];
    private PrivatePostgres? _server;

    public async Task InitializeAsync() => _server = await PrivatePostgres.StartAsync(_folder.File("postgres"));

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.StopAsync();
            host.Dispose();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task DatabaseDownLongerThanTheRetrySchedule_DeadLettersNothing_AndEveryMessageIsHandledOnceItIsBack()
    {
        var server = _server!;
        var handled = new ConcurrentDictionary<Guid, int>();
        var counts = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == MessagingMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => counts.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value));
        listener.Start();
        long Count(string name) => counts.TryGetValue(name, out var value) ? value : 0;

        // The whole retry schedule lasts about 0.3 s: counted as attempts, a few seconds of outage would dead-letter everything.
        var billing = await StartBillingAsync(server, messaging =>
        {
            messaging.ConfigureConsumer(consumer => { consumer.Concurrency = 2; consumer.MaxBatchSize = 8; });
            messaging.Configure(options => options.Retry = new RetryPolicy
            {
                ImmediateRetries = 1,
                DelayedRetries = 2,
                BaseDelay = TimeSpan.FromMilliseconds(50),
                UnavailablePause = TimeSpan.FromMilliseconds(200),
                MaxUnavailablePause = TimeSpan.FromSeconds(1),
            });
            messaging.Handle<OrderPlaced>(async (order, context, cancellationToken) =>
            {
                // A primary key: a second effect of one message would fail, not hide.
                await context.Connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO invoices (order_id) VALUES (@OrderId)", order, context.Transaction, cancellationToken: cancellationToken));
                handled.AddOrUpdate(order.OrderId, 1, (_, count) => count + 1);
            });
        });

        // The sender keeps its outbox in SQLite, so that it goes on while billing's database is down.
        var orders = await StartOrdersAsync();
        var bus = orders.Services.GetRequiredService<IMessageBus>();
        var before = Enumerable.Range(0, 10).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in before)
        {
            await bus.PublishAsync(new OrderPlaced(id));
        }

        await Eventually.HoldsAsync(() => before.All(handled.ContainsKey), "the orders before the outage are handled");

        await server.StopForAWhileAsync();
        var during = Enumerable.Range(0, 40).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in during)
        {
            await bus.PublishAsync(new OrderPlaced(id));
        }

        // Billing meets the outage again and again: each message is taken more often than its retry schedule would allow
        // failed attempts (a dead letter ends the wait at once: it must not happen).
        await Eventually.HoldsAsync(
            () => Count("caravan.messaging.delivered") >= before.Count + (during.Count * 4) || Count("caravan.messaging.dead_lettered") > 0,
            "billing takes the messages sent during the outage at least four times each",
            TimeSpan.FromSeconds(60));
        Assert.Equal(0, Count("caravan.messaging.dead_lettered"));
        Assert.True(Count("caravan.messaging.consumer.paused") > 0, "billing's consumer paused on the unreachable database");
        await server.StartAgainAsync();

        // The invoices' primary key makes a second effect of one message fail rather than hide; the handler's own count
        // may say more than once, since a handler that ran while the server went away had its work rolled back.
        var database = billing.Services.GetRequiredService<IServiceDatabase>();
        await Eventually.HoldsAsync(
            async () => await CountInvoicesAsync(database) == before.Count + during.Count,
            "every order sent during the outage is invoiced once the server is back",
            TimeSpan.FromSeconds(60));
        Assert.True(during.All(handled.ContainsKey));
        Assert.Equal(0, await billing.Services.GetRequiredService<IDeadLetterQueue>().CountAsync(DeadLetterQuery.All));
        await using var connection = await database.OpenConnectionAsync();
        Assert.Equal(before.Count + during.Count, await connection.QuerySingleAsync<int>("SELECT count(*)::int FROM caravan_inbox"));
    }

    private static async Task<int> CountInvoicesAsync(IServiceDatabase database)
    {
        try
        {
            await using var connection = await database.OpenConnectionAsync();
            return await connection.QuerySingleAsync<int>("SELECT count(*)::int FROM invoices");
        }
        catch (NpgsqlException)
        {
            return -1;
        }
    }

    private async Task<IHost> StartBillingAsync(PrivatePostgres server, Action<MessagingBuilder> configure)
    {
        var host = Build("billing", messaging =>
        {
            messaging.UsePostgresDatabase(new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = "billing" }.ConnectionString);
            configure(messaging);
        });
        await host.Services.GetRequiredService<IServiceDatabase>().InitializeAsync();
        await using (var transaction = await host.Services.GetRequiredService<IServiceDatabase>().BeginTransactionAsync())
        {
            await transaction.Connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS invoices (order_id uuid PRIMARY KEY)", transaction: transaction.Transaction);
            await transaction.CommitAsync();
        }

        await host.StartAsync();
        return host;
    }

    private async Task<IHost> StartOrdersAsync()
    {
        var host = Build("orders", messaging => messaging.UseSqliteDatabase(_folder.File("orders.db")));
        await host.StartAsync();
        return host;
    }

    private IHost Build(string service, Action<MessagingBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddCaravanMessaging(service, messaging =>
        {
            messaging.UseSqliteTransport(_folder.File("broker.db"));
            messaging.AddMessage<OrderPlaced>("test.order-placed");
            messaging.Configure(options => options.Outbox.PollInterval = TimeSpan.FromMilliseconds(200));
            configure(messaging);
        });
        var host = builder.Build();
        _hosts.Add(host);
        return host;
    }
}
