using Caravan.Contracts;
using Caravan.ServiceDefaults.Data;

namespace Caravan.Inventory.Reservations;

/// <summary>Where an order's reservation stands. Stored by name.</summary>
internal enum ReservationStatus
{
    /// <summary>Its units are held in <c>reserved</c>.</summary>
    Reserved,

    /// <summary>Nothing was reserved; the reason says why. A repeat of the reserve fails the same way.</summary>
    Failed,

    /// <summary>Released (units given back, or released before any reserve arrived): a later reserve fails.</summary>
    Released,

    /// <summary>The order was confirmed: its units moved from <c>reserved</c> to <c>committed</c> for good.</summary>
    Committed,
}

/// <summary>One reserved line, priced when it was reserved.</summary>
internal sealed record ReservationLine(string Sku, long Quantity, long UnitPriceCents)
{
    public PricedLine ToPricedLine() => new(Sku, checked((int)Quantity), Money.FromCents(UnitPriceCents));
}

/// <summary>The record of one order id, with its lines (none unless it was reserved).</summary>
internal sealed record Reservation(Guid OrderId, ReservationStatus Status, string? Reason, IReadOnlyList<ReservationLine> Lines)
{
    /// <summary>The answer a reserve of an already released order gets.</summary>
    public const string AlreadyReleasedReason = "order was already released";

    public long TotalCents => Lines.Sum(line => line.Quantity * line.UnitPriceCents);

    public StockReserved ToStockReserved() => new(OrderId, [.. Lines.Select(line => line.ToPricedLine())], Money.FromCents(TotalCents));

    /// <summary>The units per sku, in the order the skus first appear: a sku may be on several lines.</summary>
    public IReadOnlyList<(string Sku, long Quantity)> QuantitiesBySku() =>
        [.. Lines.GroupBy(line => line.Sku, StringComparer.Ordinal).Select(group => (group.Key, group.Sum(line => line.Quantity)))];
}
