using Caravan.ServiceDefaults.Data;

namespace Caravan.Payments.Charges;

/// <summary>One row of <c>charges</c>, as stored (ids and times as text, money in cents).</summary>
internal sealed record ChargeRecord(
    string IdempotencyKey,
    string OrderId,
    string? PaymentId,
    long AmountCents,
    string Status,
    string? Reason,
    string? CardLast4,
    string CreatedAt,
    string UpdatedAt)
{
    /// <summary>The columns in the order of the constructor, named like its parameters, so Dapper maps a SELECT of them onto this record.</summary>
    public const string Columns =
        "idempotency_key AS IdempotencyKey, order_id AS OrderId, payment_id AS PaymentId, amount_cents AS AmountCents, status AS Status, reason AS Reason, card_last4 AS CardLast4, created_at AS CreatedAt, updated_at AS UpdatedAt";

    public ChargeStatus ChargeStatus => Enum.Parse<ChargeStatus>(Status);

    public Guid ParsedOrderId => Guid.Parse(OrderId);

    public decimal Amount => Money.FromCents(AmountCents);
}

/// <summary>One row of <c>payment_ledger</c>, as stored.</summary>
internal sealed record LedgerRecord(
    string EntryId,
    string IdempotencyKey,
    string OrderId,
    string Kind,
    long AmountCents,
    string At)
{
    public const string Columns = "entry_id AS EntryId, idempotency_key AS IdempotencyKey, order_id AS OrderId, kind AS Kind, amount_cents AS AmountCents, at AS At";
}
