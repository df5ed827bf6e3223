using Caravan.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Caravan.Bench.Distributed;

/// <summary>
/// Caravan as a service uses it: the producer opens a session (a PostgreSQL transaction with the outbox attached),
/// inserts its business row, sends, commits; its outbox relay publishes with confirms. The consumer's handler runs
/// inbox-guarded in one PostgreSQL transaction with the inbox record and writes its business row there.
/// </summary>
internal sealed class CaravanSide(BenchOptions options, Recorder recorder, string runId) : BenchSide(options, recorder, runId)
{
    private const string MessageType = "bench.message";
    private IHost? _producer;
    private IHost? _consumer;
    private IMessageBus? _bus;

    public override string Name => "Caravan";

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var (producer, consumer) = await BenchDatabases.CreateAsync(Options.Postgres, "caravan", RunId, cancellationToken);
        var consumerQueue = "bench-consumer";
        _consumer = Build("bench-consumer", consumer, messaging =>
        {
            messaging.Handle<BenchMessage>(async (message, context, token) =>
            {
                await BenchDatabases.InsertHandledAsync((NpgsqlConnection)context.Connection, (NpgsqlTransaction)context.Transaction, message, token);
                Recorder.Record(message);
            });
            messaging.ConfigureConsumer(consumerOptions =>
            {
                consumerOptions.Concurrency = Options.Consumers;
                consumerOptions.Prefetch = Options.Prefetch;
            });
        }, consumerQueue);
        _producer = Build("bench-producer", producer, _ => { }, consumerQueue);
        await _consumer.StartAsync(cancellationToken);
        await _producer.StartAsync(cancellationToken);
        _bus = _producer.Services.GetRequiredService<IMessageBus>();
    }

    public override async Task ProduceAsync(BenchMessage message, CancellationToken cancellationToken)
    {
        await using var session = await _bus!.BeginAsync(cancellationToken);
        await BenchDatabases.InsertOrderAsync((NpgsqlConnection)session.Connection, (NpgsqlTransaction)session.Transaction, message, cancellationToken);
        session.Send(message);
        await session.CommitAsync(cancellationToken);
    }

    public override async Task<string> BacklogAsync(CancellationToken cancellationToken)
    {
        var outbox = await _producer!.Services.GetRequiredService<IOutboxStore>().CountAsync(cancellationToken);
        var queue = await _consumer!.Services.GetRequiredService<IMessageTransport>().GetQueueDepthAsync("bench-consumer", cancellationToken);
        return $"outbox {outbox}, queue (ready + held by the consumer) {queue}";
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
    }

    private IHost Build(string service, string database, Action<MessagingBuilder> configure, string consumerQueue)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddCaravanMessaging(service, messaging =>
        {
            messaging.UseRabbitMq(Options.RabbitMq, rabbit => rabbit.TopologyPrefix = $"bench-caravan-{RunId}");
            messaging.UsePostgresDatabase(database);
            messaging.AddMessage<BenchMessage>(MessageType, destination: consumerQueue);
            configure(messaging);
        });
        return builder.Build();
    }
}
