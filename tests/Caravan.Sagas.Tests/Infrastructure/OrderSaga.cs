namespace Caravan.Sagas.Tests;

/// <summary>Timeouts and retry budgets of the test order saga (the state-machine tests use the defaults).</summary>
public sealed class OrderSagaOptions
{
    public string Name { get; init; } = OrderSaga.Name;

    public TimeSpan ReserveTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan ChargeTimeout { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan ShipTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Every step's action: 3 attempts, 1 s then 2 s apart.</summary>
    public SagaRetryPolicy ActionRetry { get; init; } = new();

    /// <summary>Every step's compensation: 4 attempts, 1 s, 2 s, 4 s apart, before the saga is stuck.</summary>
    public SagaRetryPolicy CompensationRetry { get; init; } = new() { MaxAttempts = 4, Backoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(10) };
}

/// <summary>What the saga's hooks saw: which hook, and the saga's status at that moment.</summary>
public sealed class HookLog
{
    private readonly List<(string Hook, SagaStatus Status)> _entries = [];

    public IReadOnlyList<string> Hooks
    {
        get
        {
            lock (_entries)
            {
                return _entries.Select(entry => entry.Hook).ToList();
            }
        }
    }

    public int Count(string hook)
    {
        lock (_entries)
        {
            return _entries.Count(entry => entry.Hook == hook);
        }
    }

    public SagaStatus StatusAt(string hook)
    {
        lock (_entries)
        {
            return _entries.Single(entry => entry.Hook == hook).Status;
        }
    }

    internal Task Record(string hook, SagaStatus status)
    {
        lock (_entries)
        {
            _entries.Add((hook, status));
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// The guide's order saga with the tests' own messages: reserve stock (undo: release), charge the
/// payment (undo: refund, which may fail), create the shipment (undo: cancel). Each success reply
/// copies its result into the data, which the later commands and compensations carry.
/// </summary>
public static class OrderSaga
{
    public const string Name = "order";

    public const string Reserve = "reserve";

    public const string Charge = "charge";

    public const string Ship = "ship";

    public static SagaDefinition<OrderData> Define(HookLog hooks, OrderSagaOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(hooks);
        options ??= new OrderSagaOptions();
        return Saga.Define<OrderData>(options.Name)
            .Step(Reserve, step => step
                .Send(data => new ReserveStock(data.OrderId, data.Quantity))
                .OnSuccess<StockReserved>((data, reply) => data.ReservationId = reply.ReservationId)
                .OnFailure<StockUnavailable>(reply => reply.Reason)
                .Compensate(data => new ReleaseStock(data.OrderId, data.ReservationId))
                .OnCompensated<StockReleased>()
                .WithTimeout(options.ReserveTimeout)
                .WithRetry(options.ActionRetry)
                .WithCompensationRetry(options.CompensationRetry))
            .Step(Charge, step => step
                .Send(data => new ChargePayment(data.OrderId, data.AmountCents, data.ReservationId))
                .OnSuccess<PaymentCharged>((data, reply) => data.PaymentId = reply.PaymentId)
                .OnFailure<PaymentDeclined>(reply => reply.Reason)
                .Compensate(data => new RefundPayment(data.OrderId, data.PaymentId))
                .OnCompensated<PaymentRefunded>()
                .OnCompensationFailure<RefundFailed>(reply => reply.Reason)
                .WithTimeout(options.ChargeTimeout)
                .WithRetry(options.ActionRetry)
                .WithCompensationRetry(options.CompensationRetry))
            .Step(Ship, step => step
                .Send(data => new CreateShipment(data.OrderId, data.PaymentId))
                .OnSuccess<ShipmentCreated>((data, reply) => data.TrackingNumber = reply.TrackingNumber)
                .OnFailure<ShipmentRejected>(reply => reply.Reason)
                .Compensate(data => new CancelShipment(data.OrderId, data.TrackingNumber))
                .OnCompensated<ShipmentCancelled>()
                .WithTimeout(options.ShipTimeout)
                .WithRetry(options.ActionRetry)
                .WithCompensationRetry(options.CompensationRetry))
            .OnCompleted((context, _) =>
            {
                context.Transaction.Publish(new OrderSagaEnded(context.Data.OrderId, "completed"));
                return hooks.Record("completed", context.Instance.Status);
            })
            .OnCompensating((context, _) => hooks.Record("compensating", context.Instance.Status))
            .OnCompensated((context, _) =>
            {
                context.Transaction.Publish(new OrderSagaEnded(context.Data.OrderId, "compensated"));
                return hooks.Record("compensated", context.Instance.Status);
            })
            .OnStuck((context, _) => hooks.Record("stuck", context.Instance.Status))
            .OnResolved((context, _) => hooks.Record("resolved", context.Instance.Status));
    }
}
