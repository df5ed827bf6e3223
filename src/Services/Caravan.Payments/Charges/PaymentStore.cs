using Caravan.Messaging;
using Caravan.ServiceDefaults.Data;
using Dapper;

namespace Caravan.Payments.Charges;

/// <summary>
/// The writes of the charge and refund handlers, inside the handler's transaction. Every write is
/// conditional (ON CONFLICT DO NOTHING, or an UPDATE guarded by the expected status) and reports
/// whether it happened, so a handler that loses a race with another process notices and re-reads
/// instead of acting twice.
/// </summary>
internal sealed class PaymentStore(IMessageIdGenerator ids, TimeProvider timeProvider)
{
    public static async Task<ChargeRecord?> FindAsync(MessageSession session, string idempotencyKey, CancellationToken cancellationToken) =>
        await session.Connection.QuerySingleOrDefaultAsync<ChargeRecord>(new CommandDefinition(
            $"SELECT {ChargeRecord.Columns} FROM charges WHERE idempotency_key = @idempotencyKey",
            new { idempotencyKey },
            session.Transaction,
            cancellationToken: cancellationToken));

    /// <summary>Inserts the first row for a key; false when a row with that key already exists.</summary>
    public async Task<bool> TryInsertAsync(
        MessageSession session,
        string idempotencyKey,
        Guid orderId,
        Guid? paymentId,
        long amountCents,
        ChargeStatus status,
        string? reason,
        string? cardLast4,
        CancellationToken cancellationToken)
    {
        var now = Timestamps.ToText(timeProvider.GetUtcNow());
        var inserted = await session.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO charges (idempotency_key, order_id, payment_id, amount_cents, status, reason, card_last4, created_at, updated_at)
            VALUES (@idempotencyKey, @orderId, @paymentId, @amountCents, @status, @reason, @cardLast4, @now, @now)
            ON CONFLICT (idempotency_key) DO NOTHING
            """,
            new
            {
                idempotencyKey,
                orderId = orderId.ToString(),
                paymentId = paymentId?.ToString(),
                amountCents,
                status = status.ToString(),
                reason,
                cardLast4,
                now,
            },
            session.Transaction,
            cancellationToken: cancellationToken));
        return inserted == 1;
    }

    /// <summary>Moves a key from <paramref name="from"/> to <paramref name="to"/>; false when it was no longer in <paramref name="from"/>.</summary>
    public async Task<bool> TryChangeStatusAsync(
        MessageSession session, string idempotencyKey, ChargeStatus from, ChargeStatus to, CancellationToken cancellationToken)
    {
        var changed = await session.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE charges SET status = @to, updated_at = @now WHERE idempotency_key = @idempotencyKey AND status = @from",
            new { idempotencyKey, from = from.ToString(), to = to.ToString(), now = Timestamps.ToText(timeProvider.GetUtcNow()) },
            session.Transaction,
            cancellationToken: cancellationToken));
        return changed == 1;
    }

    /// <summary>
    /// Records a money movement. A plain INSERT on purpose: a second entry of one kind for one key
    /// violates UNIQUE (idempotency_key, kind) and throws, which rolls back the whole handling.
    /// </summary>
    public async Task AddLedgerEntryAsync(
        MessageSession session, string idempotencyKey, Guid orderId, LedgerEntryKind kind, long amountCents, CancellationToken cancellationToken) =>
        await session.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO payment_ledger (entry_id, idempotency_key, order_id, kind, amount_cents, at)
            VALUES (@entryId, @idempotencyKey, @orderId, @kind, @amountCents, @at)
            """,
            new
            {
                entryId = ids.NewId().ToString(),
                idempotencyKey,
                orderId = orderId.ToString(),
                kind = kind.ToString(),
                amountCents,
                at = Timestamps.ToText(timeProvider.GetUtcNow()),
            },
            session.Transaction,
            cancellationToken: cancellationToken));
}
