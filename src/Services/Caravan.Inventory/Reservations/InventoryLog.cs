namespace Caravan.Inventory.Reservations;

/// <summary>Inventory's log events (ids 100–199).</summary>
internal static partial class InventoryLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Reserved stock for order {OrderId}: {Lines} line(s), total {Total}")]
    public static partial void Reserved(ILogger logger, Guid orderId, int lines, decimal total);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Could not reserve stock for order {OrderId}: {Reason}")]
    public static partial void ReservationFailed(ILogger logger, Guid orderId, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Order {OrderId} was already {Status}; answering the reserve as before")]
    public static partial void RepeatedReserve(ILogger logger, Guid orderId, ReservationStatus status);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "Released order {OrderId} (was {Status})")]
    public static partial void Released(ILogger logger, Guid orderId, ReservationStatus status);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "Order {OrderId} released before any reserve: recorded so that a late reserve fails")]
    public static partial void ReleasedBeforeReserve(ILogger logger, Guid orderId);

    [LoggerMessage(EventId = 112, Level = LogLevel.Warning, Message = "Release of order {OrderId} ignored: its stock is already committed")]
    public static partial void ReleaseOfCommitted(ILogger logger, Guid orderId);

    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "Committed the stock of confirmed order {OrderId}")]
    public static partial void Committed(ILogger logger, Guid orderId);

    [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "Order {OrderId} confirmed but its reservation is {Status}; nothing to commit")]
    public static partial void ConfirmedWithoutReservation(ILogger logger, Guid orderId, string status);

    [LoggerMessage(EventId = 122, Level = LogLevel.Debug, Message = "Order {OrderId} confirmed again; its stock is already committed")]
    public static partial void AlreadyCommitted(ILogger logger, Guid orderId);
}
