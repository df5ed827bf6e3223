using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Caravan.Bench.Distributed;

/// <summary>
/// MassTransit 8.5 on RabbitMQ. Its transactional outbox needs MassTransit.EntityFrameworkCore, which is not
/// available here, so the producer is the closest honest equivalent without it: the business row commits in a
/// Npgsql transaction, then the message is sent (persistent, publisher confirms: MassTransit's defaults, set
/// explicitly) and the send awaited. Unlike an outbox, a crash between the commit and the confirm loses the
/// message. The consumer (same prefetch and concurrency as the others, acked after the consumer returns) claims the
/// message id in an idempotency table and writes its row in one transaction.
/// </summary>
internal sealed class MassTransitSide(BenchOptions options, Recorder recorder, string runId) : BenchSide(options, recorder, runId)
{
    private IHost? _producer;
    private IHost? _consumer;
    private NpgsqlDataSource? _producerData;
    private NpgsqlDataSource? _consumerData;
    private ISendEndpoint? _endpoint;

    public override string Name => "MassTransit 8.5";

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var (producer, consumer) = await BenchDatabases.CreateAsync(Options.Postgres, "masstransit", RunId, cancellationToken);
        _producerData = NpgsqlDataSource.Create(producer);
        _consumerData = NpgsqlDataSource.Create(consumer);
        var queue = $"bench-masstransit-{RunId}";
        var state = new MassTransitConsumerState(_consumerData, Recorder);

        _consumer = Build(bus =>
        {
            bus.AddConsumer<MassTransitBenchConsumer>();
            bus.AddSingleton(state);
        }, (context, rabbit) => rabbit.ReceiveEndpoint(queue, endpoint =>
        {
            endpoint.PrefetchCount = Options.Prefetch;
            endpoint.ConcurrentMessageLimit = Options.Consumers;
            endpoint.ConfigureConsumer<MassTransitBenchConsumer>(context);
        }));
        _producer = Build(_ => { }, (_, _) => { });
        await _consumer.StartAsync(cancellationToken);
        await _producer.StartAsync(cancellationToken);
        var bus = _producer.Services.GetRequiredService<IBus>();
        _endpoint = await bus.GetSendEndpoint(new Uri($"queue:{queue}"));
    }

    public override async Task ProduceAsync(BenchMessage message, CancellationToken cancellationToken)
    {
        await using (var connection = await _producerData!.OpenConnectionAsync(cancellationToken))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await BenchDatabases.InsertOrderAsync(connection, transaction, message, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await _endpoint!.Send(message, cancellationToken);
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

    private IHost Build(Action<IBusRegistrationConfigurator> register, Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator> endpoints)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddMassTransit(bus =>
        {
            register(bus);
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(new Uri(Options.RabbitMq), host => host.PublisherConfirmation = true);
                rabbit.Durable = true;
                endpoints(context, rabbit);
            });
        });
        return builder.Build();
    }
}

/// <summary>What the MassTransit consumer needs (one instance, injected).</summary>
public sealed record MassTransitConsumerState(NpgsqlDataSource Data, Recorder Recorder);

/// <summary>The MassTransit consumer: idempotency claim and business row in one transaction.</summary>
public sealed class MassTransitBenchConsumer(MassTransitConsumerState state) : IConsumer<BenchMessage>
{
    public Task Consume(ConsumeContext<BenchMessage> context) =>
        BenchDatabases.HandleOnceAsync(state.Data, context.Message, state.Recorder, context.CancellationToken);
}
