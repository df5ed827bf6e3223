using System.Data.Common;
using Caravan.ServiceDefaults.Data;
using Dapper;

namespace Caravan.Inventory.Reservations;

/// <summary>
/// The reservation records and the stock moves, on one connection and (for writes) one transaction.
/// Every stock move is a single guarded UPDATE: it applies only while the source column holds enough
/// units, and a move that finds too few throws, so units are never created, lost or made negative.
/// </summary>
internal sealed class ReservationStore(DbConnection connection, DbTransaction? transaction)
{
    public async Task<Reservation?> FindAsync(Guid orderId, CancellationToken cancellationToken)
    {
        var id = orderId.ToString();
        var found = await connection.QuerySingleOrDefaultAsync<RecordRow>(new CommandDefinition(
            "SELECT status AS Status, reason AS Reason FROM reservations WHERE order_id = @Id", new { Id = id }, transaction, cancellationToken: cancellationToken));
        if (found is null)
        {
            return null;
        }

        var lines = await connection.QueryAsync<ReservationLine>(new CommandDefinition(
            "SELECT sku AS Sku, quantity AS Quantity, unit_price_cents AS UnitPriceCents FROM reservation_lines WHERE order_id = @Id ORDER BY line_no",
            new { Id = id },
            transaction,
            cancellationToken: cancellationToken));
        return new Reservation(orderId, Enum.Parse<ReservationStatus>(found.Status), found.Reason, [.. lines]);
    }

    /// <summary>Records the order id with its first outcome; false when it is already recorded.</summary>
    public async Task<bool> TryAddAsync(Guid orderId, ReservationStatus status, string? reason, DateTimeOffset now, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO reservations (order_id, status, reason, created_at, updated_at)
            VALUES (@Id, @Status, @Reason, @Now, @Now)
            ON CONFLICT (order_id) DO NOTHING
            """,
            new { Id = orderId.ToString(), Status = status.ToString(), Reason = reason, Now = Timestamps.ToText(now) },
            transaction,
            cancellationToken: cancellationToken)) == 1;

    public async Task AddLinesAsync(Guid orderId, IReadOnlyList<ReservationLine> lines, CancellationToken cancellationToken)
    {
        for (var index = 0; index < lines.Count; index++)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO reservation_lines (order_id, line_no, sku, quantity, unit_price_cents) VALUES (@Id, @LineNo, @Sku, @Quantity, @UnitPriceCents)",
                new { Id = orderId.ToString(), LineNo = index, lines[index].Sku, lines[index].Quantity, lines[index].UnitPriceCents },
                transaction,
                cancellationToken: cancellationToken));
        }
    }

    /// <summary>Moves the record from <paramref name="from"/> to <paramref name="to"/>; false if it was not in <paramref name="from"/>.</summary>
    public async Task<bool> TryChangeStatusAsync(Guid orderId, ReservationStatus from, ReservationStatus to, DateTimeOffset now, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE reservations SET status = @To, updated_at = @Now WHERE order_id = @Id AND status = @From",
            new { Id = orderId.ToString(), From = from.ToString(), To = to.ToString(), Now = Timestamps.ToText(now) },
            transaction,
            cancellationToken: cancellationToken)) == 1;

    /// <summary>
    /// Price and stock levels of each known sku among <paramref name="skus"/>. In a write transaction the rows
    /// stay locked until it ends (on PostgreSQL; SQLite's write lock covers them already), so that a plan made
    /// from these levels still holds when the stock moves; rows are locked in sku order, as every move takes them.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, ProductStock>> FindStockAsync(IReadOnlyCollection<string> skus, CancellationToken cancellationToken)
    {
        var dialect = SqlDialect.Of(connection);
        var rows = await connection.QueryAsync<ProductStock>(new CommandDefinition(
            "SELECT sku AS Sku, price_cents AS PriceCents, available AS Available, reserved AS Reserved, committed AS Committed FROM products " +
            $"WHERE {dialect.IsAnyOf("sku", "Skus")} ORDER BY sku{(transaction is null ? string.Empty : dialect.LockRows)}",
            new { Skus = skus.ToArray() },
            transaction,
            cancellationToken: cancellationToken));
        return rows.ToDictionary(row => row.Sku, StringComparer.Ordinal);
    }

    /// <summary>Applies <paramref name="move"/> to every sku, or throws (rolling the message back) if any lacks the units.</summary>
    public async Task MoveStockAsync(StockMove move, IReadOnlyList<(string Sku, long Quantity)> quantities, CancellationToken cancellationToken)
    {
        var sql = move switch
        {
            StockMove.Reserve => "UPDATE products SET available = available - @Quantity, reserved = reserved + @Quantity WHERE sku = @Sku AND available >= @Quantity",
            StockMove.Release => "UPDATE products SET reserved = reserved - @Quantity, available = available + @Quantity WHERE sku = @Sku AND reserved >= @Quantity",
            StockMove.Commit => "UPDATE products SET reserved = reserved - @Quantity, committed = committed + @Quantity WHERE sku = @Sku AND reserved >= @Quantity",
            _ => throw new ArgumentOutOfRangeException(nameof(move), move, null),
        };
        // In sku order, the order FindStockAsync locks rows in, so that concurrent transactions moving
        // several skus queue behind each other instead of deadlocking.
        foreach (var (sku, quantity) in quantities.OrderBy(line => line.Sku, StringComparer.Ordinal))
        {
            var changed = await connection.ExecuteAsync(new CommandDefinition(sql, new { Sku = sku, Quantity = quantity }, transaction, cancellationToken: cancellationToken));
            if (changed != 1)
            {
                throw new InvalidOperationException($"Cannot {move.ToString().ToLowerInvariant()} {quantity} unit(s) of sku '{sku}': the product no longer holds them.");
            }
        }
    }

    private sealed record RecordRow(string Status, string? Reason);
}

/// <summary>A product's price and its units in each of the three columns.</summary>
internal sealed record ProductStock(string Sku, long PriceCents, long Available, long Reserved, long Committed);

/// <summary>The three ways units move between a product's columns.</summary>
internal enum StockMove
{
    /// <summary>available → reserved.</summary>
    Reserve,

    /// <summary>reserved → available.</summary>
    Release,

    /// <summary>reserved → committed.</summary>
    Commit,
}
