namespace Caravan.Notifications;

/// <summary>The notifications service's log messages (event ids 6001–6099).</summary>
internal static partial class NotificationsLog
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Order {OrderId}: {Kind} notification recorded")]
    public static partial void Notified(ILogger logger, Guid orderId, NotificationKind kind);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Debug, Message = "Order {OrderId}: {Kind} notification already recorded; duplicate event ignored")]
    public static partial void AlreadyNotified(ILogger logger, Guid orderId, NotificationKind kind);
}
