using System.Globalization;
using Caravan.Contracts;
using Caravan.Messaging;
using Caravan.ServiceDefaults.Data;
using Dapper;

namespace Caravan.Notifications;

/// <summary>
/// Tells the customer how their order ended. Pure choreography: it listens to the orders' final
/// events and nobody waits for it. Records exactly one notification per order and event kind: the
/// inbox skips a redelivered message, and INSERT … ON CONFLICT DO NOTHING on (order_id, kind) skips
/// the same event published again under a new message id.
/// </summary>
internal sealed class OrderNotificationHandler(IMessageIdGenerator ids, TimeProvider timeProvider, ILogger<OrderNotificationHandler> logger)
    : IMessageHandler<OrderConfirmed>, IMessageHandler<OrderCancelled>
{
    public Task HandleAsync(OrderConfirmed message, MessageContext context, CancellationToken cancellationToken) =>
        RecordAsync(
            context,
            message.OrderId,
            message.UserId,
            NotificationKind.Confirmed,
            string.Create(CultureInfo.InvariantCulture, $"Your order {message.OrderId} is confirmed. Total: {message.Total:0.00}."),
            cancellationToken);

    public Task HandleAsync(OrderCancelled message, MessageContext context, CancellationToken cancellationToken) =>
        RecordAsync(
            context,
            message.OrderId,
            message.UserId,
            NotificationKind.Cancelled,
            string.IsNullOrWhiteSpace(message.Reason)
                ? $"Your order {message.OrderId} was cancelled."
                : $"Your order {message.OrderId} was cancelled: {message.Reason.Trim().TrimEnd('.')}.",
            cancellationToken);

    private async Task RecordAsync(
        MessageSession session, Guid orderId, Guid userId, NotificationKind kind, string text, CancellationToken cancellationToken)
    {
        var inserted = await session.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO notifications (id, order_id, user_id, kind, message, created_at)
            VALUES (@id, @orderId, @userId, @kind, @message, @createdAt)
            ON CONFLICT (order_id, kind) DO NOTHING
            """,
            new
            {
                id = ids.NewId().ToString(),
                orderId = orderId.ToString(),
                userId = userId.ToString(),
                kind = kind.ToString(),
                message = text,
                createdAt = Timestamps.ToText(timeProvider.GetUtcNow()),
            },
            session.Transaction,
            cancellationToken: cancellationToken));
        if (inserted == 1)
        {
            NotificationsLog.Notified(logger, orderId, kind);
        }
        else
        {
            NotificationsLog.AlreadyNotified(logger, orderId, kind);
        }
    }
}
