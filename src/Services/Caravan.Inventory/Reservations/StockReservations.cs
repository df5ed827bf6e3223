using Caravan.Contracts;
using Caravan.ServiceDefaults.Data;

namespace Caravan.Inventory.Reservations;

/// <summary>
/// The reserve and release decisions, shared by the saga's messages (<see cref="ReserveStockHandler"/>,
/// <see cref="ReleaseStockHandler"/>) and the gRPC API, so that both answer an order id the same way.
/// Runs on the caller's transaction (<see cref="ReservationStore"/>); the caller commits.
/// <para>
/// Reserve: all lines or none. The first reserve of an order id decides its outcome and records it —
/// success with the prices, or the failure with its reason — and every repeat gets that same outcome
/// and changes nothing. An order already released, even before its reserve arrived, fails: reserving
/// it would hold stock nobody releases.
/// </para>
/// <para>
/// Release: a reservation gives its units back once; a release that overtakes its reserve leaves a
/// Released record behind so that the reserve, when it arrives, fails; committed stock is never
/// un-committed.
/// </para>
/// </summary>
internal sealed class StockReservations(ReservationStore store, TimeProvider time, ILogger logger)
{
    /// <summary>More lines than any real order has; keeps one reserve's work (and its SQL) bounded.</summary>
    public const int MaxLines = 500;

    public async Task<ReserveOutcome> ReserveAsync(Guid orderId, IReadOnlyList<OrderLine?>? items, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(orderId, cancellationToken) is { } earlier)
        {
            InventoryLog.RepeatedReserve(logger, orderId, earlier.Status);
            return new ReserveOutcome(earlier, Replayed: true);
        }

        var (lines, failure) = await PlanAsync(items, cancellationToken);
        var reservation = new Reservation(orderId, failure is null ? ReservationStatus.Reserved : ReservationStatus.Failed, failure, lines);
        if (!await store.TryAddAsync(orderId, reservation.Status, failure, time.GetUtcNow(), cancellationToken))
        {
            // Only possible where the database lets another writer record this order between our read and our
            // insert (PostgreSQL; SQLite's write lock rules it out). The insert waited for that writer to commit,
            // so its record is visible now: answer from it, as any repeat does.
            var winner = await store.FindAsync(orderId, cancellationToken)
                ?? throw new InvalidOperationException($"Order {orderId} was recorded concurrently, but its record cannot be read.");
            InventoryLog.RepeatedReserve(logger, orderId, winner.Status);
            return new ReserveOutcome(winner, Replayed: true);
        }

        if (failure is not null)
        {
            InventoryLog.ReservationFailed(logger, orderId, failure);
            return new ReserveOutcome(reservation, Replayed: false);
        }

        await store.MoveStockAsync(StockMove.Reserve, reservation.QuantitiesBySku(), cancellationToken);
        await store.AddLinesAsync(orderId, lines, cancellationToken);
        var total = Money.FromCents(reservation.TotalCents);
        InventoryLog.Reserved(logger, orderId, lines.Count, total);
        return new ReserveOutcome(reservation, Replayed: false);
    }

    public async Task<ReleaseOutcome> ReleaseAsync(Guid orderId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (await store.TryAddAsync(orderId, ReservationStatus.Released, ReservationReasons.ReleasedBeforeReserve, now, cancellationToken))
        {
            InventoryLog.ReleasedBeforeReserve(logger, orderId);
            return ReleaseOutcome.ReleasedBeforeReserve;
        }

        var reservation = await store.FindAsync(orderId, cancellationToken)
            ?? throw new InvalidOperationException($"Order {orderId} has a reservation record that cannot be read.");
        switch (reservation.Status)
        {
            case ReservationStatus.Reserved:
                await ChangeToReleasedAsync(reservation, now, cancellationToken);
                await store.MoveStockAsync(StockMove.Release, reservation.QuantitiesBySku(), cancellationToken);
                InventoryLog.Released(logger, orderId, reservation.Status);
                return ReleaseOutcome.Released;
            case ReservationStatus.Failed:
                await ChangeToReleasedAsync(reservation, now, cancellationToken);
                InventoryLog.Released(logger, orderId, reservation.Status);
                return ReleaseOutcome.Released;
            case ReservationStatus.Committed:
                InventoryLog.ReleaseOfCommitted(logger, orderId);
                return ReleaseOutcome.AlreadyCommitted;
            case ReservationStatus.Released:
            default:
                return ReleaseOutcome.AlreadyReleased;
        }
    }

    private async Task ChangeToReleasedAsync(Reservation reservation, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!await store.TryChangeStatusAsync(reservation.OrderId, reservation.Status, ReservationStatus.Released, now, cancellationToken))
        {
            throw new InvalidOperationException($"Order {reservation.OrderId} changed status concurrently; retrying the release.");
        }
    }

    /// <summary>Prices every line, or finds the first reason the order cannot be reserved as a whole.</summary>
    private async Task<(IReadOnlyList<ReservationLine> Lines, string? Failure)> PlanAsync(IReadOnlyList<OrderLine?>? items, CancellationToken cancellationToken)
    {
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

        var valid = items.Select(item => item!).ToList();
        var skus = valid.Select(item => item.Sku).Distinct(StringComparer.Ordinal).ToList();
        var stock = await store.FindStockAsync(skus, cancellationToken);
        if (skus.FirstOrDefault(sku => !stock.ContainsKey(sku)) is { } unknown)
        {
            return ([], ReservationReasons.UnknownSku(unknown));
        }

        foreach (var sku in skus)
        {
            var requested = valid.Where(item => item.Sku == sku).Sum(item => (long)item.Quantity);
            if (requested > stock[sku].Available)
            {
                return ([], $"not enough stock for sku '{sku}': {requested} requested, {stock[sku].Available} available");
            }
        }

        return ([.. valid.Select(item => new ReservationLine(item.Sku, item.Quantity, stock[item.Sku].PriceCents))], null);
    }
}

/// <summary>What a reserve found or decided: the order's record, and whether it was already there.</summary>
internal sealed record ReserveOutcome(Reservation Reservation, bool Replayed)
{
    /// <summary>The units are held (or already sold) for the order.</summary>
    public bool Succeeded => Reservation.Status is ReservationStatus.Reserved or ReservationStatus.Committed;

    /// <summary>Why the order cannot be reserved; null when it <see cref="Succeeded"/>.</summary>
    public string? FailureReason => Reservation.Status switch
    {
        ReservationStatus.Reserved or ReservationStatus.Committed => null,
        ReservationStatus.Released => Reservation.AlreadyReleasedReason,
        _ => Reservation.Reason ?? "the reservation failed",
    };
}

/// <summary>What a release did.</summary>
internal enum ReleaseOutcome
{
    /// <summary>The held units went back to available (or a failed reservation was closed).</summary>
    Released,

    /// <summary>No reserve had arrived: recorded so that a late reserve fails.</summary>
    ReleasedBeforeReserve,

    /// <summary>Already released; nothing changed.</summary>
    AlreadyReleased,

    /// <summary>The stock is sold; nothing changed.</summary>
    AlreadyCommitted,
}

/// <summary>Failure reasons that callers tell apart (the gRPC API maps an unknown sku to NOT_FOUND).</summary>
internal static class ReservationReasons
{
    public const string ReleasedBeforeReserve = "released before any reserve arrived";

    private const string UnknownSkuPrefix = "unknown sku '";

    public static string UnknownSku(string sku) => $"{UnknownSkuPrefix}{sku}'";

    /// <summary>The sku a reason written by <see cref="UnknownSku"/> names; null for any other reason.</summary>
    public static string? UnknownSkuIn(string? reason) =>
        reason is not null && reason.StartsWith(UnknownSkuPrefix, StringComparison.Ordinal) && reason.EndsWith('\'')
            ? reason[UnknownSkuPrefix.Length..^1]
            : null;
}
