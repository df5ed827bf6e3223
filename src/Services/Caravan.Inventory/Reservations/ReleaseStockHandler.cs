using Caravan.Contracts;
using Caravan.Messaging;

namespace Caravan.Inventory.Reservations;

/// <summary>
/// <see cref="ReleaseStock"/>: decided by <see cref="StockReservations.ReleaseAsync"/> (units go back once;
/// a release that overtakes its reserve is recorded so that the reserve fails; committed stock stays
/// committed) and always answered with <see cref="StockReleased"/>.
/// </summary>
internal sealed class ReleaseStockHandler(TimeProvider time, ILogger<ReleaseStockHandler> logger) : IMessageHandler<ReleaseStock>
{
    public async Task HandleAsync(ReleaseStock message, MessageContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(context);
        var reservations = new StockReservations(new ReservationStore(context.Connection, context.Transaction), time, logger);
        await reservations.ReleaseAsync(message.OrderId, cancellationToken);
        context.Reply(new StockReleased(message.OrderId));
    }
}
