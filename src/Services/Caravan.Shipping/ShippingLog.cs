namespace Caravan.Shipping;

/// <summary>The shipping service's log messages (event ids 5001–5099).</summary>
internal static partial class ShippingLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Order {OrderId}: shipment {ShipmentId} created")]
    public static partial void Created(ILogger logger, Guid orderId, Guid shipmentId);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Order {OrderId}: shipment rejected ({Reason})")]
    public static partial void Rejected(ILogger logger, Guid orderId, string reason);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Order {OrderId}: shipment cancelled")]
    public static partial void Cancelled(ILogger logger, Guid orderId);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "Order {OrderId}: cancel arrived before the shipment; a later create will be rejected")]
    public static partial void Tombstoned(ILogger logger, Guid orderId);
}
