using System.Collections.Concurrent;
using Caravan.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Caravan.Sagas.Tests;

/// <summary>How the test participants answer; switchable while the hosts run.</summary>
public sealed class ParticipantBehaviour
{
    private volatile bool _declineCharge;
    private volatile bool _rejectShipment;
    private volatile bool _ignoreShipment;
    private volatile bool _refundFails;

    public bool DeclineCharge { get => _declineCharge; set => _declineCharge = value; }

    public bool RejectShipment { get => _rejectShipment; set => _rejectShipment = value; }

    /// <summary>Handles the shipment command without ever replying.</summary>
    public bool IgnoreShipment { get => _ignoreShipment; set => _ignoreShipment = value; }

    public bool RefundFails { get => _refundFails; set => _refundFails = value; }
}

/// <summary>What the participants handled, by message type and order.</summary>
public sealed class ParticipantLog
{
    private readonly ConcurrentDictionary<(Type, Guid), int> _handled = new();

    public int Count<TMessage>(Guid orderId) => _handled.GetValueOrDefault((typeof(TMessage), orderId));

    internal void Add<TMessage>(Guid orderId) => _handled.AddOrUpdate((typeof(TMessage), orderId), 1, (_, count) => count + 1);
}

/// <summary>
/// Two real generic hosts on one SQLite broker file: the orchestrator running the order saga, and a
/// "participants" service that handles every command of it and replies with <c>context.Reply</c>.
/// </summary>
public sealed class SagaHosts : IAsyncDisposable
{
    public const string OrchestratorQueue = "orchestrator";
    public const string ParticipantQueue = "participants";

    private readonly IHost _orchestrator;
    private readonly IHost _participants;

    private SagaHosts(IHost orchestrator, IHost participants, SagaDefinition<OrderData> definition, HookLog hooks, ParticipantBehaviour behaviour, ParticipantLog log)
    {
        _orchestrator = orchestrator;
        _participants = participants;
        Definition = definition;
        Hooks = hooks;
        Behaviour = behaviour;
        Log = log;
    }

    public SagaDefinition<OrderData> Definition { get; }

    public HookLog Hooks { get; }

    public ParticipantBehaviour Behaviour { get; }

    public ParticipantLog Log { get; }

    public SagaCoordinator Coordinator => _orchestrator.Services.GetRequiredService<SagaCoordinator>();

    public IMessageBus Bus => _orchestrator.Services.GetRequiredService<IMessageBus>();

    public static async Task<SagaHosts> StartAsync(TestDirectory directory, OrderSagaOptions options)
    {
        var broker = directory.File("broker.db");
        var hooks = new HookLog();
        var definition = OrderSaga.Define(hooks, options);
        var behaviour = new ParticipantBehaviour();
        var log = new ParticipantLog();

        var participants = await BuildAsync(ParticipantQueue, broker, directory.File("participants.db"), messaging => AddParticipants(messaging, behaviour, log));
        var orchestrator = await BuildAsync(OrchestratorQueue, broker, directory.File("orchestrator.db"), messaging => messaging.AddSaga(definition));
        return new SagaHosts(orchestrator, participants, definition, hooks, behaviour, log);
    }

    /// <summary>Starts saga <paramref name="sagaId"/> for a new order, in a session of the orchestrator that commits.</summary>
    public async Task<OrderData> StartSagaAsync(Guid sagaId)
    {
        var data = new OrderData { OrderId = Guid.NewGuid(), Quantity = 3, AmountCents = 12_500 };
        await using var session = await Bus.BeginAsync();
        var instance = await Coordinator.StartAsync(session, Definition, sagaId, data);
        Assert.Equal(SagaStatus.Running, instance.Status);
        await session.CommitAsync();
        return data;
    }

    public Task<SagaInstance?> WaitUntilAsync(Guid sagaId, Func<SagaInstance, bool> condition, string because) =>
        Eventually.ReturnsAsync(() => Coordinator.GetAsync(sagaId), instance => instance is not null && condition(instance), because, TimeSpan.FromSeconds(60));

    public async ValueTask DisposeAsync()
    {
        await _orchestrator.StopAsync();
        await _participants.StopAsync();
        _orchestrator.Dispose();
        _participants.Dispose();
    }

    private static async Task<IHost> BuildAsync(string service, string broker, string database, Action<MessagingBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.Services.AddCaravanMessaging(service, messaging =>
        {
            messaging.UseSqliteTransport(broker);
            messaging.UseSqliteDatabase(database);
            AddMessages(messaging);
            messaging.Configure(options =>
            {
                options.Outbox.PollInterval = TimeSpan.FromMilliseconds(200);
                options.Outbox.ClaimDuration = TimeSpan.FromSeconds(2);
                options.Retry = new RetryPolicy { ImmediateRetries = 1, DelayedRetries = 2, BaseDelay = TimeSpan.FromMilliseconds(50), JitterFactor = 0 };
            });
            messaging.ConfigureConsumer(consumer => consumer.IdlePollInterval = TimeSpan.FromMilliseconds(200));
            configure(messaging);
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static void AddMessages(MessagingBuilder messaging)
    {
        messaging.AddMessage<ReserveStock>("test.reserve-stock", destination: ParticipantQueue);
        messaging.AddMessage<ReleaseStock>("test.release-stock", destination: ParticipantQueue);
        messaging.AddMessage<ChargePayment>("test.charge-payment", destination: ParticipantQueue);
        messaging.AddMessage<RefundPayment>("test.refund-payment", destination: ParticipantQueue);
        messaging.AddMessage<CreateShipment>("test.create-shipment", destination: ParticipantQueue);
        messaging.AddMessage<CancelShipment>("test.cancel-shipment", destination: ParticipantQueue);
        messaging.AddMessage<StockReserved>("test.stock-reserved");
        messaging.AddMessage<StockUnavailable>("test.stock-unavailable");
        messaging.AddMessage<StockReleased>("test.stock-released");
        messaging.AddMessage<PaymentCharged>("test.payment-charged");
        messaging.AddMessage<PaymentDeclined>("test.payment-declined");
        messaging.AddMessage<PaymentRefunded>("test.payment-refunded");
        messaging.AddMessage<RefundFailed>("test.refund-failed");
        messaging.AddMessage<ShipmentCreated>("test.shipment-created");
        messaging.AddMessage<ShipmentRejected>("test.shipment-rejected");
        messaging.AddMessage<ShipmentCancelled>("test.shipment-cancelled");
        messaging.AddMessage<OrderSagaEnded>("test.order-saga-ended");
    }

    private static void AddParticipants(MessagingBuilder messaging, ParticipantBehaviour behaviour, ParticipantLog log)
    {
        messaging.Handle<ReserveStock>((command, context, _) =>
        {
            log.Add<ReserveStock>(command.OrderId);
            context.Reply(new StockReserved(command.OrderId, Guid.NewGuid()));
            return Task.CompletedTask;
        });
        messaging.Handle<ChargePayment>((command, context, _) =>
        {
            log.Add<ChargePayment>(command.OrderId);
            if (behaviour.DeclineCharge)
            {
                context.Reply(new PaymentDeclined(command.OrderId, "card declined"));
            }
            else
            {
                context.Reply(new PaymentCharged(command.OrderId, Guid.NewGuid()));
            }

            return Task.CompletedTask;
        });
        messaging.Handle<CreateShipment>((command, context, _) =>
        {
            log.Add<CreateShipment>(command.OrderId);
            if (behaviour.RejectShipment)
            {
                context.Reply(new ShipmentRejected(command.OrderId, "address unknown"));
            }
            else if (!behaviour.IgnoreShipment)
            {
                context.Reply(new ShipmentCreated(command.OrderId, $"TRACK-{command.OrderId:N}"));
            }

            return Task.CompletedTask;
        });
        messaging.Handle<ReleaseStock>((command, context, _) =>
        {
            log.Add<ReleaseStock>(command.OrderId);
            context.Reply(new StockReleased(command.OrderId));
            return Task.CompletedTask;
        });
        messaging.Handle<RefundPayment>((command, context, _) =>
        {
            log.Add<RefundPayment>(command.OrderId);
            if (behaviour.RefundFails)
            {
                context.Reply(new RefundFailed(command.OrderId, "provider down"));
            }
            else
            {
                context.Reply(new PaymentRefunded(command.OrderId));
            }

            return Task.CompletedTask;
        });
        messaging.Handle<CancelShipment>((command, context, _) =>
        {
            log.Add<CancelShipment>(command.OrderId);
            context.Reply(new ShipmentCancelled(command.OrderId));
            return Task.CompletedTask;
        });
        messaging.Handle<OrderSagaEnded>((ended, _, _) =>
        {
            log.Add<OrderSagaEnded>(ended.OrderId);
            return Task.CompletedTask;
        });
    }
}
