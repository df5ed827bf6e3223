using Caravan.Contracts;
using Caravan.Messaging;

namespace Caravan.Inventory.Reservations;

/// <summary>
/// <see cref="ReserveStock"/>: all lines or none. The first reserve of an order id decides its answer and
/// records it — success with the prices, or the failure with its reason — and every repeat (a new
/// message id from a retrying saga) gets that same answer and changes nothing. An order already
/// released, even before this reserve arrived, fails: reserving it would hold stock nobody releases.
/// </summary>
internal sealed class ReserveStockHandler(TimeProvider time, ILogger<ReserveStockHandler> logger) : IMessageHandler<ReserveStock>
{
    /// <summary>More lines than any real order has; keeps one message's work (and its SQL) bounded.</summary>
    public const int MaxLines = 500;

    public async Task HandleAsync(ReserveStock message, MessageContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(context);
        var store = new ReservationStore(context.Connection, context.Transaction);
        if (await store.FindAsync(message.OrderId, cancellationToken) is { } earlier)
        {
            InventoryLog.RepeatedReserve(logger, message.OrderId, earlier.Status);
            ReplyAsBefore(earlier, context);
            return;
        }

        var (lines, failure) = await PlanAsync(message, store, cancellationToken);
        var reservation = new Reservation(message.OrderId, failure is null ? ReservationStatus.Reserved : ReservationStatus.Failed, failure, lines);
        if (!await store.TryAddAsync(message.OrderId, reservation.Status, failure, time.GetUtcNow(), cancellationToken))
        {
            // Only possible where the database lets another consumer record this order between our read and
            // our insert (SQLite's write lock rules it out); the retry reads that record and answers from it.
            throw new InvalidOperationException($"Order {message.OrderId} was recorded concurrently; retrying to answer from that record.");
        }

        if (failure is not null)
        {
            InventoryLog.ReservationFailed(logger, message.OrderId, failure);
            context.Reply(new StockReservationFailed(message.OrderId, failure));
            return;
        }

        await store.MoveStockAsync(StockMove.Reserve, reservation.QuantitiesBySku(), cancellationToken);
        await store.AddLinesAsync(message.OrderId, lines, cancellationToken);
        var reply = reservation.ToStockReserved();
        InventoryLog.Reserved(logger, message.OrderId, lines.Count, reply.Total);
        context.Reply(reply);
    }

    /// <summary>A repeat gets the first answer; an order released in between fails (its units, if any, went back).</summary>
    private static void ReplyAsBefore(Reservation earlier, MessageContext context)
    {
        // Reply is generic on purpose: the static type picks the wire name, so each branch names its reply type.
        switch (earlier.Status)
        {
            case ReservationStatus.Reserved or ReservationStatus.Committed:
                context.Reply(earlier.ToStockReserved());
                break;
            case ReservationStatus.Released:
                context.Reply(new StockReservationFailed(earlier.OrderId, Reservation.AlreadyReleasedReason));
                break;
            default:
                context.Reply(new StockReservationFailed(earlier.OrderId, earlier.Reason ?? "the reservation failed"));
                break;
        }
    }

    /// <summary>Prices every line, or finds the first reason the order cannot be reserved as a whole.</summary>
    private static async Task<(IReadOnlyList<ReservationLine> Lines, string? Failure)> PlanAsync(
        ReserveStock message, ReservationStore store, CancellationToken cancellationToken)
    {
        var items = message.Items;
        if (items is null || items.Count == 0)
        {
            return ([], "the order has no items");
        }

        if (items.Count > MaxLines)
        {
            return ([], $"the order has {items.Count} lines; at most {MaxLines} can be reserved at once");
        }

        for (var index = 0; index < items.Count; index++)
        {
            var item = items[index];
            if (item is null || string.IsNullOrWhiteSpace(item.Sku))
            {
                return ([], $"line {index} has no sku");
            }

            if (item.Quantity <= 0)
            {
                return ([], $"quantity {item.Quantity} for sku '{item.Sku}' is not positive");
            }
        }

        var skus = items.Select(item => item.Sku).Distinct(StringComparer.Ordinal).ToList();
        var stock = await store.FindStockAsync(skus, cancellationToken);
        if (skus.FirstOrDefault(sku => !stock.ContainsKey(sku)) is { } unknown)
        {
            return ([], $"unknown sku '{unknown}'");
        }

        foreach (var sku in skus)
        {
            var requested = items.Where(item => item.Sku == sku).Sum(item => (long)item.Quantity);
            if (requested > stock[sku].Available)
            {
                return ([], $"not enough stock for sku '{sku}': {requested} requested, {stock[sku].Available} available");
            }
        }

        return ([.. items.Select(item => new ReservationLine(item.Sku, item.Quantity, stock[item.Sku].PriceCents))], null);
    }
}
