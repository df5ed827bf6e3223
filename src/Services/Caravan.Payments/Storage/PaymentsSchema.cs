namespace Caravan.Payments.Storage;

/// <summary>
/// The payments tables. <c>charges</c> holds one row per idempotency key: the outcome of the first
/// charge with that key, or a <c>Voided</c> tombstone left by a refund that arrived first.
/// <c>payment_ledger</c> records every money movement; its UNIQUE (idempotency_key, kind) is what
/// guarantees, even across processes, that no key is ever charged or refunded twice.
/// </summary>
internal static class PaymentsSchema
{
    public static readonly string[] Statements =
    [
        """
        CREATE TABLE IF NOT EXISTS charges (
            idempotency_key TEXT PRIMARY KEY,
            order_id TEXT NOT NULL,
            payment_id TEXT UNIQUE,
            amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
            status TEXT NOT NULL CHECK (status IN ('Charged', 'Declined', 'Refunded', 'Voided')),
            reason TEXT,
            card_last4 TEXT CHECK (card_last4 IS NULL OR length(card_last4) = 4),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK (status NOT IN ('Charged', 'Refunded') OR (payment_id IS NOT NULL AND amount_cents > 0))
        )
        """,
        "CREATE INDEX IF NOT EXISTS ix_charges_order_id ON charges (order_id)",
        "CREATE INDEX IF NOT EXISTS ix_charges_created_at ON charges (created_at)",
        """
        CREATE TABLE IF NOT EXISTS payment_ledger (
            entry_id TEXT PRIMARY KEY,
            idempotency_key TEXT NOT NULL REFERENCES charges (idempotency_key),
            order_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('Charge', 'Refund')),
            amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
            at TEXT NOT NULL,
            UNIQUE (idempotency_key, kind)
        )
        """,
        "CREATE INDEX IF NOT EXISTS ix_payment_ledger_order_id ON payment_ledger (order_id)",
    ];
}
