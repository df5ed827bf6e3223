using Caravan.Contracts;
using Caravan.Messaging;

namespace Caravan.Inventory.Reservations;

/// <summary>
/// <see cref="ReserveStock"/>: decided by <see cref="StockReservations.ReserveAsync"/> (all lines or none;
/// the first reserve of an order id decides the answer, every repeat — a new message id from a retrying
/// saga — gets that same answer and changes nothing), answered with <see cref="StockReserved"/> or
/// <see cref="StockReservationFailed"/>.
/// </summary>
internal sealed class ReserveStockHandler(TimeProvider time, ILogger<ReserveStockHandler> logger) : IMessageHandler<ReserveStock>
{
    public async Task HandleAsync(ReserveStock message, MessageContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(context);
        var reservations = new StockReservations(new ReservationStore(context.Connection, context.Transaction), time, logger);
        var outcome = await reservations.ReserveAsync(message.OrderId, message.Items, cancellationToken);

        // Reply is generic on purpose: the static type picks the wire name, so each branch names its reply type.
        if (outcome.Succeeded)
        {
            context.Reply(outcome.Reservation.ToStockReserved());
        }
        else
        {
            context.Reply(new StockReservationFailed(message.OrderId, outcome.FailureReason!));
        }
    }
}
