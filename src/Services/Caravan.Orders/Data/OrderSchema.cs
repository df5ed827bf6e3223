namespace Caravan.Orders.Data;

/// <summary>The orders table. The saga's own state lives beside it in <c>caravan_sagas</c>.</summary>
internal static class OrderSchema
{
    public static readonly string[] Statements =
    [
        """
        CREATE TABLE IF NOT EXISTS orders (
            id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('Pending', 'Compensating', 'Confirmed', 'Cancelled')),
            total_cents BIGINT,
            items TEXT NOT NULL,
            shipping_address TEXT NOT NULL,
            reason TEXT,
            idempotency_key TEXT NOT NULL UNIQUE,
            request_hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """,
        "CREATE INDEX IF NOT EXISTS ix_orders_user ON orders (user_id, created_at)",
        "CREATE INDEX IF NOT EXISTS ix_orders_status ON orders (status, created_at)",
    ];
}
