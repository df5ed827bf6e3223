using Caravan.Payments.Charges;
using Caravan.ServiceDefaults.Data;

namespace Caravan.Payments.Api;

/// <summary>A charge as the API shows it; <see cref="PaymentId"/> is null for a tombstone (a refund that came before any charge).</summary>
internal sealed record PaymentResponse(
    Guid? PaymentId,
    Guid OrderId,
    string IdempotencyKey,
    decimal Amount,
    ChargeStatus Status,
    string? Reason,
    string? CardLast4,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static PaymentResponse From(ChargeRecord row) => new(
        row.PaymentId is null ? null : Guid.Parse(row.PaymentId),
        row.ParsedOrderId,
        row.IdempotencyKey,
        row.Amount,
        row.ChargeStatus,
        row.Reason,
        row.CardLast4,
        Timestamps.Parse(row.CreatedAt),
        Timestamps.Parse(row.UpdatedAt));
}

/// <summary>One money movement; <see cref="Amount"/> is always positive, <see cref="Kind"/> says its direction.</summary>
internal sealed record LedgerEntryResponse(Guid EntryId, Guid OrderId, string IdempotencyKey, LedgerEntryKind Kind, decimal Amount, DateTimeOffset At)
{
    public static LedgerEntryResponse From(LedgerRecord row) => new(
        Guid.Parse(row.EntryId),
        Guid.Parse(row.OrderId),
        row.IdempotencyKey,
        Enum.Parse<LedgerEntryKind>(row.Kind),
        Money.FromCents(row.AmountCents),
        Timestamps.Parse(row.At));
}

/// <summary>Totals over the whole ledger: what was taken, what was given back, and how many times each.</summary>
internal sealed record PaymentsSummaryResponse(decimal Charged, decimal Refunded, decimal Net, long Charges, long Refunds);
