using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Wolverine;
using Wolverine.Postgresql;
using Wolverine.RabbitMQ;
using Wolverine.RDBMS;
using Wolverine.Runtime;

namespace Caravan.Bench.Distributed;

/// <summary>
/// Wolverine (WolverineFx.RabbitMQ + WolverineFx.Postgresql), durable outbox and inbox, each service's envelope
/// storage in its own database next to its business table:
/// <list type="bullet">
/// <item>producer: a Npgsql transaction inserts the business row; a message context enlisted in that transaction
/// (<c>EnlistInOutboxAsync(new DatabaseEnvelopeTransaction(store, transaction))</c>) sends, so the envelope row commits with it; after the commit
/// <c>FlushOutgoingMessagesAsync</c> hands it to the durable sending agent, which publishes persistent messages on
/// channels with publisher confirms (turned on: Wolverine's default is off) and deletes the row once sent;</item>
/// <item>consumer: a durable inbox listener (the envelope is stored in PostgreSQL before it is acked, duplicates by
/// envelope id are dropped) with the same prefetch and parallelism as the others; the handler, like MassTransit's,
/// claims the message id in an idempotency table and writes its row in one transaction of its own.</item>
/// </list>
/// </summary>
internal sealed class WolverineSide(BenchOptions options, Recorder recorder, string runId) : BenchSide(options, recorder, runId)
{
    private IHost? _producer;
    private IHost? _consumer;
    private NpgsqlDataSource? _producerData;
    private NpgsqlDataSource? _consumerData;
    private IWolverineRuntime? _runtime;

    public override string Name => "Wolverine 6.62";

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var (producer, consumer) = await BenchDatabases.CreateAsync(Options.Postgres, "wolverine", RunId, cancellationToken);
        _producerData = NpgsqlDataSource.Create(producer);
        _consumerData = NpgsqlDataSource.Create(consumer);
        var queue = $"bench-wolverine-{RunId}";

        _consumer = Build(consumer, opts =>
        {
            opts.ServiceName = "bench-wolverine-consumer";
            opts.Discovery.DisableConventionalDiscovery().IncludeType<WolverineBenchHandler>();
            opts.Services.AddSingleton(new WolverineConsumerState(_consumerData, Recorder));
            opts.ListenToRabbitQueue(queue)
                .UseDurableInbox()
                .PreFetchCount((ushort)Options.Prefetch)
                .MaximumParallelMessages(Options.Consumers);
        });
        _producer = Build(producer, opts =>
        {
            opts.ServiceName = "bench-wolverine-producer";
            opts.Discovery.DisableConventionalDiscovery();
            opts.PublishMessage<BenchMessage>().ToRabbitQueue(queue).UseDurableOutbox();
        });
        await _consumer.StartAsync(cancellationToken);
        await _producer.StartAsync(cancellationToken);
        _runtime = _producer.Services.GetRequiredService<IWolverineRuntime>();
    }

    public override async Task ProduceAsync(BenchMessage message, CancellationToken cancellationToken)
    {
        await using var connection = await _producerData!.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await BenchDatabases.InsertOrderAsync(connection, transaction, message, cancellationToken);
        var context = new MessageContext(_runtime!);
        await context.EnlistInOutboxAsync(new DatabaseEnvelopeTransaction((IMessageDatabase)_runtime!.Storage, transaction));
        await context.SendAsync(message);
        await transaction.CommitAsync(cancellationToken);
        await context.FlushOutgoingMessagesAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var host in new[] { _producer, _consumer })
        {
            if (host is not null)
            {
                await host.StopAsync();
                host.Dispose();
            }
        }

        foreach (var data in new[] { _producerData, _consumerData })
        {
            if (data is not null)
            {
                await data.DisposeAsync();
            }
        }
    }

    private IHost Build(string database, Action<WolverineOptions> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseWolverine(opts =>
        {
            opts.PersistMessagesWithPostgresql(database, "wolverine");
            opts.UseRabbitMq(new Uri(Options.RabbitMq))
                .AutoProvision()
                .ConfigureChannelCreation(channels =>
                {
                    channels.PublisherConfirmationsEnabled = true;
                    channels.PublisherConfirmationTrackingEnabled = true;
                });
            configure(opts);
        });
        return builder.Build();
    }
}

/// <summary>What the Wolverine handler needs (one instance, injected).</summary>
public sealed record WolverineConsumerState(NpgsqlDataSource Data, Recorder Recorder);

/// <summary>The Wolverine handler: idempotency claim and business row in one transaction.</summary>
public sealed class WolverineBenchHandler
{
    public static Task Handle(BenchMessage message, WolverineConsumerState state, CancellationToken cancellationToken) =>
        BenchDatabases.HandleOnceAsync(state.Data, message, state.Recorder, cancellationToken);
}
