using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Caravan.Bench.Orders;

/// <summary>
/// Where an order's time goes, read after the stop from the services' own rows (their creation times,
/// joined by order id): placed (Orders) → stock reserved (Inventory) → charged (Payments) → shipment
/// created (Shipping) → Confirmed (Orders) → notified (Notifications). Each gap is one or two message
/// hops with the handling at both ends. These are the services' private tables, read for diagnosis
/// only; if one changes shape the table is left out, never the run.
/// </summary>
internal static class StepTimes
{
    private static readonly (string Name, string Database, string Sql)[] Sources =
    [
        ("placed", "orders", "SELECT id, created_at FROM orders"),
        ("reserved", "inventory", "SELECT order_id, created_at FROM reservations"),
        ("charged", "payments", "SELECT order_id, MIN(created_at) FROM charges GROUP BY order_id"),
        ("shipped", "shipping", "SELECT order_id, created_at FROM shipments"),
        ("final", "orders", "SELECT id, updated_at FROM orders"),
        ("notified", "notifications", "SELECT order_id, MIN(created_at) FROM notifications GROUP BY order_id"),
    ];

    private static readonly (string Label, string From, string To)[] Gaps =
    [
        ("placed -> stock reserved (ReserveStock)", "placed", "reserved"),
        ("reserved -> charged (StockReserved, ChargePayment)", "reserved", "charged"),
        ("charged -> shipment created (PaymentCharged, CreateShipment)", "charged", "shipped"),
        ("shipment created -> Confirmed (ShipmentCreated)", "shipped", "final"),
        ("placed -> Confirmed (all of the above)", "placed", "final"),
        ("Confirmed -> notified (OrderConfirmed)", "final", "notified"),
    ];

    /// <summary>Percentiles (ms) of each gap over the given orders, or an explanation of why there are none.</summary>
    public static (List<(string Step, Percentiles Ms)> Rows, string? Problem) Read(string dataDirectory, IReadOnlyCollection<Guid> orders)
    {
        try
        {
            var times = Sources.ToDictionary(source => source.Name, source => Load(Path.Combine(dataDirectory, source.Database + ".db"), source.Sql), StringComparer.Ordinal);
            var ids = orders.Select(id => id.ToString()).ToList();
            var rows = Gaps.Select(gap => (gap.Label, Percentiles.Of(ids
                    .Where(id => times[gap.From].ContainsKey(id) && times[gap.To].ContainsKey(id))
                    .Select(id => (times[gap.To][id] - times[gap.From][id]).TotalMilliseconds))))
                .ToList();
            return (rows, null);
        }
        catch (Exception exception) when (exception is SqliteException or FormatException or IOException)
        {
            return ([], exception.Message);
        }
    }

    private static Dictionary<string, DateTimeOffset> Load(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var times = new Dictionary<string, DateTimeOffset>(StringComparer.OrdinalIgnoreCase);
        while (reader.Read())
        {
            times[reader.GetString(0)] = DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture);
        }

        return times;
    }
}
