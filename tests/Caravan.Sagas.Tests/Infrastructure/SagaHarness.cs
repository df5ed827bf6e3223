using System.Text.Json;

namespace Caravan.Sagas.Tests;

/// <summary>
/// Drives the order saga's state machine directly, without database or messaging: one instance, a
/// settable clock, a fixed random (0.5: no jitter), and a fake transaction recording what each
/// transition sent. Helpers answer the latest command of a type, or fire the latest scheduled timeout
/// at the moment it is due.
/// </summary>
internal sealed class SagaHarness
{
    public const string OwnQueue = "orchestrator";

    public static readonly DateTimeOffset Epoch = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public SagaHarness(OrderSagaOptions? options = null)
    {
        Options = options ?? new OrderSagaOptions();
        Definition = OrderSaga.Define(Hooks, Options);
    }

    public OrderSagaOptions Options { get; }

    public HookLog Hooks { get; } = new();

    public SagaDefinition<OrderData> Definition { get; }

    public FakeSagaTransaction Transaction { get; } = new();

    public DateTimeOffset Now { get; set; } = Epoch;

    public Func<double> Random { get; set; } = () => 0.5;

    public Guid SagaId { get; } = Guid.NewGuid();

    public Guid OrderId { get; } = Guid.NewGuid();

    public Guid ReservationId { get; } = Guid.NewGuid();

    public Guid PaymentId { get; } = Guid.NewGuid();

    public string TrackingNumber { get; } = "TRACK-1";

    public SagaInstance Instance { get; private set; } = null!;

    public IReadOnlyList<SentMessage> Sent => Transaction.Sent;

    public SagaStepState Step(int index) => Instance.Steps[index];

    public SagaInstance Start()
    {
        Instance = Definition.Start(SagaId, new OrderData { OrderId = OrderId, Quantity = 2, AmountCents = 4_990 }, Run());
        return Instance;
    }

    public SagaRun Run() => new(Transaction, Now, Random, OwnQueue);

    public Task<SagaOutcome> ReplyAsync(object reply, Guid? inReplyTo) =>
        Definition.OnReplyAsync(Instance, reply, inReplyTo, Run(), CancellationToken.None);

    /// <summary>Answers the latest command of type <typeparamref name="TCommand"/>.</summary>
    public Task<SagaOutcome> AnswerAsync<TCommand>(object reply) => ReplyAsync(reply, Last<TCommand>().Id);

    public Task<SagaOutcome> TimeoutAsync(SagaTimeout timeout) =>
        Definition.OnTimeoutAsync(Instance, timeout, Run(), CancellationToken.None);

    /// <summary>Delivers a recorded timeout message, moving the clock to its due time.</summary>
    public Task<SagaOutcome> DeliverAsync(SentMessage timeout)
    {
        Now = timeout.Options.DeliverAt ?? throw new InvalidOperationException("A timeout without DeliverAt.");
        return TimeoutAsync((SagaTimeout)timeout.Message);
    }

    /// <summary>Fires the latest scheduled timeout when it is due.</summary>
    public Task<SagaOutcome> FireLastTimeoutAsync() => DeliverAsync(Last<SagaTimeout>());

    public Task RetryAsync() => Definition.RetryAsync(Instance, Run(), CancellationToken.None);

    public Task ResolveAsync(string note) => Definition.ResolveAsync(Instance, note, Run(), CancellationToken.None);

    public SentMessage Last<T>() => Sent.Last(message => message.Message is T);

    public IReadOnlyList<SentMessage> All<T>() => Sent.Where(message => message.Message is T).ToList();

    public IReadOnlyList<SentMessage> SentSince(int mark) => Sent.Skip(mark).ToList();

    /// <summary>The instance as the store would write it, to prove an ignored message changed nothing.</summary>
    public string Snapshot() => JsonSerializer.Serialize(Instance, SqlSagaStore.Json);

    public OrderData Data => Definition.ReadData(Instance);

    public Task<SagaOutcome> ReserveSucceedsAsync() => AnswerAsync<ReserveStock>(new StockReserved(OrderId, ReservationId));

    public Task<SagaOutcome> ChargeSucceedsAsync() => AnswerAsync<ChargePayment>(new PaymentCharged(OrderId, PaymentId));

    public Task<SagaOutcome> ShipSucceedsAsync() => AnswerAsync<CreateShipment>(new ShipmentCreated(OrderId, TrackingNumber));

    public Task<SagaOutcome> ReleaseSucceedsAsync() => AnswerAsync<ReleaseStock>(new StockReleased(OrderId));

    public Task<SagaOutcome> RefundSucceedsAsync() => AnswerAsync<RefundPayment>(new PaymentRefunded(OrderId));

    public Task<SagaOutcome> CancelSucceedsAsync() => AnswerAsync<CancelShipment>(new ShipmentCancelled(OrderId));

    public Task<SagaOutcome> RefundFailsAsync(string reason = "provider down") => AnswerAsync<RefundPayment>(new RefundFailed(OrderId, reason));

    /// <summary>Starts the saga and completes the steps before <paramref name="step"/>, so that step's command is the latest sent.</summary>
    public async Task DriveToStepAsync(int step)
    {
        Start();
        if (step > 0)
        {
            Assert.Equal(SagaOutcome.Applied, await ReserveSucceedsAsync());
        }

        if (step > 1)
        {
            Assert.Equal(SagaOutcome.Applied, await ChargeSucceedsAsync());
        }

        if (step > 2)
        {
            Assert.Equal(SagaOutcome.Applied, await ShipSucceedsAsync());
        }
    }

    /// <summary>Fails step <paramref name="step"/> by its failure reply (after completing the steps before it).</summary>
    public async Task FailStepAsync(int step)
    {
        await DriveToStepAsync(step);
        var outcome = step switch
        {
            0 => await AnswerAsync<ReserveStock>(new StockUnavailable(OrderId, "out of stock")),
            1 => await AnswerAsync<ChargePayment>(new PaymentDeclined(OrderId, "card declined")),
            _ => await AnswerAsync<CreateShipment>(new ShipmentRejected(OrderId, "address unknown")),
        };
        Assert.Equal(SagaOutcome.Applied, outcome);
    }

    /// <summary>Puts the saga in Stuck: the shipment is rejected and every refund attempt fails by a failure reply.</summary>
    public async Task StickOnRefundByFailureRepliesAsync()
    {
        await FailStepAsync(2);
        for (var attempt = 0; attempt < Options.CompensationRetry.MaxAttempts; attempt++)
        {
            Assert.Equal(SagaOutcome.Applied, await RefundFailsAsync());
        }

        Assert.Equal(SagaStatus.Stuck, Instance.Status);
    }

    /// <summary>Puts the saga in Stuck: the shipment is rejected and every refund attempt times out.</summary>
    public async Task StickOnRefundByTimeoutsAsync()
    {
        await FailStepAsync(2);
        for (var attempt = 0; attempt < Options.CompensationRetry.MaxAttempts; attempt++)
        {
            Assert.Equal(SagaOutcome.Applied, await FireLastTimeoutAsync());
        }

        Assert.Equal(SagaStatus.Stuck, Instance.Status);
    }
}
