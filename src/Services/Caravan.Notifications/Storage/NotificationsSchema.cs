namespace Caravan.Notifications.Storage;

/// <summary>
/// One notification per order and kind: UNIQUE (order_id, kind) is what makes a duplicate event
/// (a republished one, with a new message id that the inbox cannot recognise) add nothing.
/// </summary>
internal static class NotificationsSchema
{
    public static readonly string[] Statements =
    [
        """
        CREATE TABLE IF NOT EXISTS notifications (
            id TEXT PRIMARY KEY,
            order_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('Confirmed', 'Cancelled')),
            message TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (order_id, kind)
        )
        """,
        "CREATE INDEX IF NOT EXISTS ix_notifications_user_id ON notifications (user_id)",
        "CREATE INDEX IF NOT EXISTS ix_notifications_created_at ON notifications (created_at)",
    ];
}
