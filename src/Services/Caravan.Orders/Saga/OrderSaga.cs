using Caravan.Contracts;
using Caravan.Sagas;

namespace Caravan.Orders.Saga;

/// <summary>What the order saga carries from step to step (stored as JSON with the saga instance).</summary>
public sealed class OrderSagaData
{
    public Guid OrderId { get; set; }

    public Guid UserId { get; set; }

    public List<OrderLine> Items { get; set; } = [];

    public Address ShippingAddress { get; set; } = new(string.Empty, string.Empty, string.Empty, string.Empty);

    /// <summary>Needed by the charge step. A real system would hold a payment-provider token, never a card number.</summary>
    public string CardNumber { get; set; } = string.Empty;

    /// <summary>Set when Inventory reserved the stock, at its prices.</summary>
    public List<PricedLine> Lines { get; set; } = [];

    public decimal? Total { get; set; }

    public Guid? PaymentId { get; set; }

    public Guid? ShipmentId { get; set; }

    /// <summary>The key Payments deduplicates charges and refunds on: one per order, so a retried charge never charges twice.</summary>
    public string PaymentKey => $"order-{OrderId:N}";
}

/// <summary>Step timing of the order saga (configuration section <c>Caravan:Orders:Saga</c>).</summary>
public sealed class OrderSagaOptions
{
    public TimeSpan StepTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public int StepAttempts { get; set; } = 3;

    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public int CompensationAttempts { get; set; } = 10;
}

/// <summary>
/// The guide's order-processing saga: reserve inventory, take payment, create the shipment; when a
/// step fails, the completed steps are undone in reverse order (release, refund, cancel).
/// </summary>
public static class OrderSaga
{
    public const string Name = "order-fulfilment";

    public static SagaDefinition<OrderSagaData> Define(OrderSagaOptions options, OrderStatusHooks hooks)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(hooks);
        var retry = new SagaRetryPolicy { MaxAttempts = options.StepAttempts, Backoff = options.RetryBackoff };
        var compensationRetry = new SagaRetryPolicy { MaxAttempts = options.CompensationAttempts, Backoff = options.RetryBackoff, MaxBackoff = TimeSpan.FromMinutes(1) };

        return Sagas.Saga.Define<OrderSagaData>(Name)
            .Step("reserve_inventory", step => step
                .Send(order => new ReserveStock(order.OrderId, order.Items))
                .OnSuccess<StockReserved>((order, reply) =>
                {
                    order.Lines = [.. reply.Lines];
                    order.Total = reply.Total;
                })
                .OnFailure<StockReservationFailed>(reply => reply.Reason)
                .Compensate(order => new ReleaseStock(order.OrderId))
                .OnCompensated<StockReleased>()
                .WithTimeout(options.StepTimeout)
                .WithRetry(retry)
                .WithCompensationRetry(compensationRetry))
            .Step("process_payment", step => step
                .Send(order => new ChargePayment(order.OrderId, order.PaymentKey, order.Total ?? 0m, order.CardNumber))
                .OnSuccess<PaymentCharged>((order, reply) => order.PaymentId = reply.PaymentId)
                .OnFailure<PaymentDeclined>(reply => reply.Reason)
                .Compensate(order => new RefundPayment(order.OrderId, order.PaymentKey))
                .OnCompensated<PaymentRefunded>()
                .WithTimeout(options.StepTimeout)
                .WithRetry(retry)
                .WithCompensationRetry(compensationRetry))
            .Step("create_shipment", step => step
                .Send(order => new CreateShipment(order.OrderId, order.ShippingAddress, order.Items))
                .OnSuccess<ShipmentCreated>((order, reply) => order.ShipmentId = reply.ShipmentId)
                .OnFailure<ShipmentRejected>(reply => reply.Reason)
                .Compensate(order => new CancelShipment(order.OrderId))
                .OnCompensated<ShipmentCancelled>()
                .WithTimeout(options.StepTimeout)
                .WithRetry(retry)
                .WithCompensationRetry(compensationRetry))
            .OnCompensating(hooks.CompensatingAsync)
            .OnCompleted(hooks.CompletedAsync)
            .OnCompensated(hooks.CompensatedAsync)
            .OnStuck(hooks.StuckAsync)
            .OnResolved(hooks.ResolvedAsync);
    }
}
