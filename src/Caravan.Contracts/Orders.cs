namespace Caravan.Contracts;

/// <summary>Event: an order was accepted and its saga started.</summary>
public sealed record OrderPlaced(Guid OrderId, Guid UserId, IReadOnlyList<OrderLine> Items, DateTimeOffset PlacedAt);

/// <summary>Event: every step succeeded; the order is final. Inventory commits the reservation on it.</summary>
public sealed record OrderConfirmed(Guid OrderId, Guid UserId, decimal Total, DateTimeOffset ConfirmedAt);

/// <summary>Event: the order failed and every completed step was compensated; the order is final.</summary>
public sealed record OrderCancelled(Guid OrderId, Guid UserId, string Reason, DateTimeOffset CancelledAt);
