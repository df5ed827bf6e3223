using Caravan.Contracts;
using Caravan.Messaging;

namespace Caravan.Inventory.Reservations;

/// <summary>
/// <see cref="ReleaseStock"/>: always answered with <see cref="StockReleased"/>. A reservation gives its
/// units back once; a release that overtakes its reserve leaves a Released record behind so that the
/// reserve, when it arrives, fails instead of holding stock; committed stock is never un-committed.
/// </summary>
internal sealed class ReleaseStockHandler(TimeProvider time, ILogger<ReleaseStockHandler> logger) : IMessageHandler<ReleaseStock>
{
    public async Task HandleAsync(ReleaseStock message, MessageContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(context);
        var store = new ReservationStore(context.Connection, context.Transaction);
        var now = time.GetUtcNow();
        if (await store.TryAddAsync(message.OrderId, ReservationStatus.Released, "released before any reserve arrived", now, cancellationToken))
        {
            InventoryLog.ReleasedBeforeReserve(logger, message.OrderId);
        }
        else
        {
            var reservation = await store.FindAsync(message.OrderId, cancellationToken)
                ?? throw new InvalidOperationException($"Order {message.OrderId} has a reservation record that cannot be read.");
            await ReleaseAsync(reservation, store, now, cancellationToken);
        }

        context.Reply(new StockReleased(message.OrderId));
    }

    private async Task ReleaseAsync(Reservation reservation, ReservationStore store, DateTimeOffset now, CancellationToken cancellationToken)
    {
        switch (reservation.Status)
        {
            case ReservationStatus.Reserved:
                await ChangeStatusAsync(store, reservation, now, cancellationToken);
                await store.MoveStockAsync(StockMove.Release, reservation.QuantitiesBySku(), cancellationToken);
                InventoryLog.Released(logger, reservation.OrderId, reservation.Status);
                break;
            case ReservationStatus.Failed:
                await ChangeStatusAsync(store, reservation, now, cancellationToken);
                InventoryLog.Released(logger, reservation.OrderId, reservation.Status);
                break;
            case ReservationStatus.Committed:
                InventoryLog.ReleaseOfCommitted(logger, reservation.OrderId);
                break;
            case ReservationStatus.Released:
            default:
                break;
        }
    }

    private static async Task ChangeStatusAsync(ReservationStore store, Reservation reservation, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!await store.TryChangeStatusAsync(reservation.OrderId, reservation.Status, ReservationStatus.Released, now, cancellationToken))
        {
            throw new InvalidOperationException($"Order {reservation.OrderId} changed status concurrently; retrying the release.");
        }
    }
}
