using Caravan.Contracts;
using Caravan.Messaging;

namespace Caravan.Payments.Charges;

/// <summary>
/// Gives back whatever the charge with a key took, at most once, and always answers with the amount
/// refunded (0 when nothing was charged). A refund that finds no charge leaves a <c>Voided</c>
/// tombstone, so the charge it overtook is declined when it arrives instead of taking money for a
/// cancelled order. A declined key is voided the same way.
/// </summary>
internal sealed class RefundPaymentHandler(PaymentStore store, ILogger<RefundPaymentHandler> logger) : IMessageHandler<RefundPayment>
{
    public async Task HandleAsync(RefundPayment message, MessageContext context, CancellationToken cancellationToken)
    {
        var key = message.IdempotencyKey;
        if (string.IsNullOrWhiteSpace(key) || key.Length > ChargePaymentHandler.MaxIdempotencyKeyLength)
        {
            // No charge can exist under such a key (the charge handler never records one).
            context.Reply(new PaymentRefunded(message.OrderId, 0m));
            return;
        }

        var existing = await PaymentStore.FindAsync(context, key, cancellationToken);
        if (existing is null)
        {
            if (await store.TryInsertAsync(
                context, key, message.OrderId, null, 0, ChargeStatus.Voided, "refunded before it was charged", null, cancellationToken))
            {
                PaymentsLog.Voided(logger, message.OrderId);
                context.Reply(new PaymentRefunded(message.OrderId, 0m));
                return;
            }

            existing = await PaymentStore.FindAsync(context, key, cancellationToken)
                ?? throw new InvalidOperationException($"The charge with idempotency key '{key}' vanished while it was being voided.");
        }

        if (existing.ParsedOrderId != message.OrderId)
        {
            PaymentsLog.ForeignKeyRefund(logger, message.OrderId, existing.ParsedOrderId);
            context.Reply(new PaymentRefunded(message.OrderId, 0m));
            return;
        }

        switch (existing.ChargeStatus)
        {
            case ChargeStatus.Charged:
                if (!await store.TryChangeStatusAsync(context, key, ChargeStatus.Charged, ChargeStatus.Refunded, cancellationToken))
                {
                    throw new InvalidOperationException($"The charge with idempotency key '{key}' changed while it was being refunded; retrying.");
                }

                await store.AddLedgerEntryAsync(context, key, message.OrderId, LedgerEntryKind.Refund, existing.AmountCents, cancellationToken);
                PaymentsLog.Refunded(logger, message.OrderId, existing.Amount);
                context.Reply(new PaymentRefunded(message.OrderId, existing.Amount));
                break;
            case ChargeStatus.Refunded:
                context.Reply(new PaymentRefunded(message.OrderId, existing.Amount));
                break;
            case ChargeStatus.Declined:
                if (!await store.TryChangeStatusAsync(context, key, ChargeStatus.Declined, ChargeStatus.Voided, cancellationToken))
                {
                    throw new InvalidOperationException($"The charge with idempotency key '{key}' changed while it was being voided; retrying.");
                }

                context.Reply(new PaymentRefunded(message.OrderId, 0m));
                break;
            default:
                context.Reply(new PaymentRefunded(message.OrderId, 0m));
                break;
        }
    }
}
