using Caravan.Contracts;
using Caravan.Messaging;

namespace Caravan.Shipping.Shipments;

/// <summary>
/// Cancels an order's shipment and always answers <see cref="ShipmentCancelled"/>. A created shipment
/// becomes <c>Cancelled</c>; an order with no row yet gets a <c>Cancelled</c> tombstone, so the create
/// this cancel overtook is rejected when it arrives. A rejected shipment stays <c>Rejected</c> (there
/// is nothing to cancel, and its reason stays visible); a cancelled one is left as it is.
/// </summary>
internal sealed class CancelShipmentHandler(ShipmentStore store, ILogger<CancelShipmentHandler> logger) : IMessageHandler<CancelShipment>
{
    public async Task HandleAsync(CancelShipment message, MessageContext context, CancellationToken cancellationToken)
    {
        var existing = await ShipmentStore.FindAsync(context, message.OrderId, cancellationToken);
        if (existing is null
            && await store.TryInsertAsync(
                context, message.OrderId, null, ShipmentStatus.Cancelled, "cancelled before the shipment was created", null, null, cancellationToken))
        {
            ShippingLog.Tombstoned(logger, message.OrderId);
        }
        else
        {
            // Either the row was there, or another process inserted it after our read: cancel it if it is still Created.
            if (await store.TryCancelAsync(context, message.OrderId, CreateShipmentHandler.CancelledReason, cancellationToken))
            {
                ShippingLog.Cancelled(logger, message.OrderId);
            }
        }

        context.Reply(new ShipmentCancelled(message.OrderId));
    }
}
