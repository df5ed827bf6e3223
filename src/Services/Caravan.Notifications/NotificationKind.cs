namespace Caravan.Notifications;

/// <summary>What a notification tells the customer.</summary>
internal enum NotificationKind
{
    Confirmed,
    Cancelled,
}
