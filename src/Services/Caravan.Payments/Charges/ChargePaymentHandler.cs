using Caravan.Contracts;
using Caravan.Messaging;
using Caravan.Payments.Provider;
using Caravan.ServiceDefaults.Data;

namespace Caravan.Payments.Charges;

/// <summary>
/// Charges a card, once per idempotency key. The first command with a key decides the outcome and
/// records it (a charge with its ledger entry, or a decline); every later command with that key —
/// a saga retrying after a timeout, a replay — gets the same answer and changes nothing. A key that a
/// refund voided first is never charged: the refund overtook the charge and the order is cancelled.
/// </summary>
internal sealed class ChargePaymentHandler(
    PaymentStore store, ProviderFaults faults, IMessageIdGenerator ids, ILogger<ChargePaymentHandler> logger)
    : IMessageHandler<ChargePayment>
{
    public const int MaxIdempotencyKeyLength = 200;

    public async Task HandleAsync(ChargePayment message, MessageContext context, CancellationToken cancellationToken)
    {
        await faults.BeforeChargeAsync(message.OrderId, cancellationToken);

        var key = message.IdempotencyKey;
        if (string.IsNullOrWhiteSpace(key) || key.Length > MaxIdempotencyKeyLength)
        {
            // Without a usable key nothing can be recorded; answering (rather than dead-lettering) lets the sender move on.
            Decline(context, message.OrderId, $"idempotency key is required and must be at most {MaxIdempotencyKeyLength} characters");
            return;
        }

        var existing = await PaymentStore.FindAsync(context, key, cancellationToken);
        if (existing is null)
        {
            var reason = ChargeAmount.ToCents(message.Amount, out var cents) ?? CardRules.Refusal(message.CardNumber);
            var status = reason is null ? ChargeStatus.Charged : ChargeStatus.Declined;
            var paymentId = ids.NewId();
            if (await store.TryInsertAsync(
                context, key, message.OrderId, paymentId, cents, status, reason, CardRules.LastFour(message.CardNumber), cancellationToken))
            {
                if (status == ChargeStatus.Charged)
                {
                    await store.AddLedgerEntryAsync(context, key, message.OrderId, LedgerEntryKind.Charge, cents, cancellationToken);
                    PaymentsLog.Charged(logger, message.OrderId, paymentId, message.Amount);
                    context.Reply(new PaymentCharged(message.OrderId, paymentId, Money.FromCents(cents)));
                }
                else
                {
                    Decline(context, message.OrderId, reason!);
                }

                return;
            }

            // Another process recorded this key between our read and our insert: answer from its row.
            existing = await PaymentStore.FindAsync(context, key, cancellationToken)
                ?? throw new InvalidOperationException($"The charge with idempotency key '{key}' vanished while it was being recorded.");
        }

        ReplyToRepeat(context, message, existing);
    }

    private void ReplyToRepeat(MessageContext context, ChargePayment message, ChargeRecord existing)
    {
        if (existing.ParsedOrderId != message.OrderId)
        {
            Decline(context, message.OrderId, "idempotency key was already used for another order");
            return;
        }

        switch (existing.ChargeStatus)
        {
            case ChargeStatus.Charged:
                context.Reply(new PaymentCharged(message.OrderId, Guid.Parse(existing.PaymentId!), existing.Amount));
                break;
            case ChargeStatus.Declined:
                Decline(context, message.OrderId, existing.Reason ?? CardRules.DeclinedReason);
                break;
            default:
                Decline(context, message.OrderId, "payment was cancelled");
                break;
        }
    }

    private void Decline(MessageContext context, Guid orderId, string reason)
    {
        PaymentsLog.Declined(logger, orderId, reason);
        context.Reply(new PaymentDeclined(orderId, reason));
    }
}
