using Caravan.Contracts;
using Caravan.Shipping.Shipments;
using Caravan.ServiceDefaults.Data;

namespace Caravan.Shipping.Api;

/// <summary>
/// An order's shipment as the API shows it. <see cref="ShipmentId"/> is null when no shipment exists:
/// a rejected one, or a tombstone (a cancel that arrived before the create; its address is null and
/// its items empty).
/// </summary>
internal sealed record ShipmentResponse(
    Guid? ShipmentId,
    Guid OrderId,
    ShipmentStatus Status,
    string? Reason,
    Address? Address,
    IReadOnlyList<OrderLine> Items,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static ShipmentResponse From(ShipmentRecord row) => new(
        row.ShipmentId is null ? null : Guid.Parse(row.ShipmentId),
        Guid.Parse(row.OrderId),
        row.ShipmentStatus,
        row.Reason,
        row.ParsedAddress,
        row.ParsedItems,
        Timestamps.Parse(row.CreatedAt),
        Timestamps.Parse(row.UpdatedAt));
}
