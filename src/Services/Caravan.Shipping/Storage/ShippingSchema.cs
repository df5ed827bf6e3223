namespace Caravan.Shipping.Storage;

/// <summary>
/// One row per order. A <c>Cancelled</c> row without a shipment id is a tombstone: a cancel that
/// arrived before the create, kept so that the late create is rejected instead of shipping a
/// cancelled order.
/// </summary>
internal static class ShippingSchema
{
    public static readonly string[] Statements =
    [
        """
        CREATE TABLE IF NOT EXISTS shipments (
            order_id TEXT PRIMARY KEY,
            shipment_id TEXT UNIQUE,
            status TEXT NOT NULL CHECK (status IN ('Created', 'Rejected', 'Cancelled')),
            reason TEXT,
            address TEXT,
            items TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK (status <> 'Created' OR (shipment_id IS NOT NULL AND address IS NOT NULL AND items IS NOT NULL))
        )
        """,
        "CREATE INDEX IF NOT EXISTS ix_shipments_created_at ON shipments (created_at)",
        "CREATE INDEX IF NOT EXISTS ix_shipments_status ON shipments (status)",
    ];
}
