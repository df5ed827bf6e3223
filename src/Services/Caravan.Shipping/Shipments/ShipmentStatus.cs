namespace Caravan.Shipping.Shipments;

/// <summary>Where an order's shipment stands.</summary>
internal enum ShipmentStatus
{
    Created,
    Rejected,
    Cancelled,
}
