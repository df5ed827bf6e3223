namespace Caravan.Contracts;

/// <summary>Reserve every line of an order, all or nothing. Idempotent per order id.</summary>
public sealed record ReserveStock(Guid OrderId, IReadOnlyList<OrderLine> Items);

/// <summary>Reply: the stock is held for the order at these prices.</summary>
public sealed record StockReserved(Guid OrderId, IReadOnlyList<PricedLine> Lines, decimal Total);

/// <summary>Reply: nothing was reserved (unknown sku, not enough stock, or the order was already released).</summary>
public sealed record StockReservationFailed(Guid OrderId, string Reason);

/// <summary>Give the order's reservation back to available stock. Idempotent; a release before the reserve blocks the reserve.</summary>
public sealed record ReleaseStock(Guid OrderId);

/// <summary>Reply to <see cref="ReleaseStock"/>.</summary>
public sealed record StockReleased(Guid OrderId);
