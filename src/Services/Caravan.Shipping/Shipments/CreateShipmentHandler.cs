using Caravan.Contracts;
using Caravan.Messaging;

namespace Caravan.Shipping.Shipments;

/// <summary>
/// Creates an order's shipment, once per order id. The first command decides and records the
/// outcome (created, or rejected with its reason); a repeat gets the same answer and changes
/// nothing. An order whose shipment was cancelled — even by a cancel that overtook this create and
/// left a tombstone — is rejected: no shipment is ever created for a cancelled order.
/// </summary>
internal sealed class CreateShipmentHandler(ShipmentStore store, IMessageIdGenerator ids, ILogger<CreateShipmentHandler> logger)
    : IMessageHandler<CreateShipment>
{
    public const string CancelledReason = "order was cancelled";

    public async Task HandleAsync(CreateShipment message, MessageContext context, CancellationToken cancellationToken)
    {
        var existing = await ShipmentStore.FindAsync(context, message.OrderId, cancellationToken);
        if (existing is null)
        {
            var rejection = ShipmentRules.Rejection(message);
            var shipmentId = ids.NewId();
            var inserted = rejection is null
                ? await store.TryInsertAsync(
                    context, message.OrderId, shipmentId, ShipmentStatus.Created, null, ShipmentRules.Normalize(message.ShippingAddress), message.Items, cancellationToken)
                : await store.TryInsertAsync(
                    context, message.OrderId, null, ShipmentStatus.Rejected, rejection, message.ShippingAddress, message.Items, cancellationToken);
            if (inserted)
            {
                if (rejection is null)
                {
                    ShippingLog.Created(logger, message.OrderId, shipmentId);
                    context.Reply(new ShipmentCreated(message.OrderId, shipmentId));
                }
                else
                {
                    ShippingLog.Rejected(logger, message.OrderId, rejection);
                    context.Reply(new ShipmentRejected(message.OrderId, rejection));
                }

                return;
            }

            // Another process recorded this order between our read and our insert: answer from its row.
            existing = await ShipmentStore.FindAsync(context, message.OrderId, cancellationToken)
                ?? throw new InvalidOperationException($"The shipment of order {message.OrderId} vanished while it was being recorded.");
        }

        switch (existing.ShipmentStatus)
        {
            case ShipmentStatus.Created:
                context.Reply(new ShipmentCreated(message.OrderId, Guid.Parse(existing.ShipmentId!)));
                break;
            case ShipmentStatus.Rejected:
                context.Reply(new ShipmentRejected(message.OrderId, existing.Reason ?? "shipment was rejected"));
                break;
            default:
                context.Reply(new ShipmentRejected(message.OrderId, CancelledReason));
                break;
        }
    }
}
