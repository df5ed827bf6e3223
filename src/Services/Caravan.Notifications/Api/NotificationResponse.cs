using Caravan.ServiceDefaults.Data;

namespace Caravan.Notifications.Api;

/// <summary>A notification as the API shows it.</summary>
internal sealed record NotificationResponse(Guid Id, Guid OrderId, Guid UserId, NotificationKind Kind, string Message, DateTimeOffset CreatedAt)
{
    public static NotificationResponse From(NotificationRecord row) => new(
        Guid.Parse(row.Id),
        Guid.Parse(row.OrderId),
        Guid.Parse(row.UserId),
        Enum.Parse<NotificationKind>(row.Kind),
        row.Message,
        Timestamps.Parse(row.CreatedAt));
}
