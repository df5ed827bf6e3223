namespace Caravan.Inventory.Storage;

/// <summary>
/// Inventory's tables.
/// <para>
/// <c>products</c> splits each sku's units into <c>available</c>, <c>reserved</c> (held for an order
/// in flight) and <c>committed</c> (sold). Reserving, releasing and committing only move units between
/// the three columns, so their sum changes only when the API sets the stock; none of them can go
/// negative (CHECK), and every move is a guarded UPDATE whose affected-row count is checked.
/// </para>
/// <para>
/// <c>reservations</c> holds one row per order id whatever the outcome — a failure and a release that
/// overtook its reserve are recorded too — so that every repeat of a command answers as the first did.
/// Money is in cents.
/// </para>
/// </summary>
internal static class InventorySchema
{
    public static readonly string[] Statements =
    [
        """
        CREATE TABLE IF NOT EXISTS products (
            sku TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            price_cents BIGINT NOT NULL CHECK (price_cents > 0),
            available BIGINT NOT NULL,
            reserved BIGINT NOT NULL DEFAULT 0,
            committed BIGINT NOT NULL DEFAULT 0,
            CHECK (available >= 0 AND reserved >= 0 AND committed >= 0)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS reservations (
            order_id TEXT PRIMARY KEY,
            status TEXT NOT NULL CHECK (status IN ('Reserved', 'Failed', 'Released', 'Committed')),
            reason TEXT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS reservation_lines (
            order_id TEXT NOT NULL REFERENCES reservations (order_id),
            line_no BIGINT NOT NULL,
            sku TEXT NOT NULL,
            quantity BIGINT NOT NULL CHECK (quantity > 0),
            unit_price_cents BIGINT NOT NULL CHECK (unit_price_cents > 0),
            PRIMARY KEY (order_id, line_no)
        )
        """,
    ];
}
