namespace Caravan.Sagas.Tests;

// The order saga's messages, as the tests' participants speak them: each step has its command, a
// success and a failure reply, and a compensation with its "done" reply; refunds can also fail.

public sealed record ReserveStock(Guid OrderId, int Quantity);

public sealed record StockReserved(Guid OrderId, Guid ReservationId);

public sealed record StockUnavailable(Guid OrderId, string Reason);

public sealed record ReleaseStock(Guid OrderId, Guid? ReservationId);

public sealed record StockReleased(Guid OrderId);

public sealed record ChargePayment(Guid OrderId, long AmountCents, Guid? ReservationId);

public sealed record PaymentCharged(Guid OrderId, Guid PaymentId);

public sealed record PaymentDeclined(Guid OrderId, string Reason);

public sealed record RefundPayment(Guid OrderId, Guid? PaymentId);

public sealed record PaymentRefunded(Guid OrderId);

public sealed record RefundFailed(Guid OrderId, string Reason);

public sealed record CreateShipment(Guid OrderId, Guid? PaymentId);

public sealed record ShipmentCreated(Guid OrderId, string TrackingNumber);

public sealed record ShipmentRejected(Guid OrderId, string Reason);

public sealed record CancelShipment(Guid OrderId, string? TrackingNumber);

public sealed record ShipmentCancelled(Guid OrderId);

/// <summary>Published by the saga's hooks, to show that a hook writes into the transition's transaction.</summary>
public sealed record OrderSagaEnded(Guid OrderId, string How);

/// <summary>The order saga's data: the order, and what each step's reply told us.</summary>
public sealed class OrderData
{
    public Guid OrderId { get; set; }

    public int Quantity { get; set; }

    public long AmountCents { get; set; }

    public Guid? ReservationId { get; set; }

    public Guid? PaymentId { get; set; }

    public string? TrackingNumber { get; set; }
}
