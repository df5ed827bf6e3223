using Caravan.Contracts;
using Caravan.Messaging;

namespace Caravan.Inventory.Reservations;

/// <summary>
/// <see cref="OrderConfirmed"/> (an event Inventory subscribes to): the order's reserved units become
/// committed (sold), once. A confirmation for an order that is not Reserved changes nothing.
/// </summary>
internal sealed class OrderConfirmedHandler(TimeProvider time, ILogger<OrderConfirmedHandler> logger) : IMessageHandler<OrderConfirmed>
{
    public async Task HandleAsync(OrderConfirmed message, MessageContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(context);
        var store = new ReservationStore(context.Connection, context.Transaction);
        var reservation = await store.FindAsync(message.OrderId, cancellationToken);
        switch (reservation?.Status)
        {
            case ReservationStatus.Reserved:
                if (!await store.TryChangeStatusAsync(message.OrderId, ReservationStatus.Reserved, ReservationStatus.Committed, time.GetUtcNow(), cancellationToken))
                {
                    throw new InvalidOperationException($"Order {message.OrderId} changed status concurrently; retrying the commit.");
                }

                await store.MoveStockAsync(StockMove.Commit, reservation.QuantitiesBySku(), cancellationToken);
                InventoryLog.Committed(logger, message.OrderId);
                break;
            case ReservationStatus.Committed:
                InventoryLog.AlreadyCommitted(logger, message.OrderId);
                break;
            default:
                InventoryLog.ConfirmedWithoutReservation(logger, message.OrderId, reservation?.Status.ToString() ?? "missing");
                break;
        }
    }
}
