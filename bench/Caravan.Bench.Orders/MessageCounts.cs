using Microsoft.Data.Sqlite;

namespace Caravan.Bench.Orders;

/// <summary>
/// Counts read from the run's SQLite files, to count messages per order rather than guess them:
/// <list type="bullet">
/// <item>the broker's <c>caravan_queue</c> is AUTOINCREMENT, so <c>sqlite_sequence</c> holds how many rows
/// were ever enqueued (one per delivery: a send or a scheduled send is one row, a publish one row per
/// subscribed queue, a publish nobody subscribes to none);</item>
/// <item>each service database keeps an inbox row per handled message (7 days' retention);</item>
/// <item>the broker's dead letters.</item>
/// </list>
/// Read-only queries on a plain reader connection; taken while the system runs and after it stopped.
/// </summary>
internal sealed record MessageCounts(long Enqueued, long DeadLetters, IReadOnlyDictionary<string, long> Handled, IReadOnlyDictionary<string, long> Queued)
{
    public static readonly string[] Services = ["orders", "inventory", "payments", "shipping", "notifications", "users"];

    public static MessageCounts Read(string dataDirectory)
    {
        var broker = Path.Combine(dataDirectory, "broker.db");
        long enqueued = 0, deadLetters = 0;
        var queued = new Dictionary<string, long>(StringComparer.Ordinal);
        if (File.Exists(broker))
        {
            using var connection = Open(broker);
            enqueued = Scalar(connection, "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'caravan_queue'), 0)");
            deadLetters = Scalar(connection, "SELECT COUNT(*) FROM caravan_dead_letters");
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT queue || ' ' || message_type, COUNT(*) FROM caravan_queue GROUP BY queue, message_type ORDER BY 1";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                queued[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        var handled = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var service in Services)
        {
            var path = Path.Combine(dataDirectory, service + ".db");
            if (File.Exists(path))
            {
                using var connection = Open(path);
                handled[service] = Scalar(connection, "SELECT COUNT(*) FROM caravan_inbox");
            }
        }

        return new MessageCounts(enqueued, deadLetters, handled, queued);
    }

    /// <summary>Messages handled by <paramref name="service"/> since <paramref name="before"/>.</summary>
    public long HandledSince(MessageCounts before, string service) =>
        Handled.GetValueOrDefault(service) - before.Handled.GetValueOrDefault(service);

    private static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 30 }.ToString());
        connection.Open();
        using var timeout = connection.CreateCommand();
        timeout.CommandText = "PRAGMA busy_timeout = 30000";
        timeout.ExecuteNonQuery();
        return connection;
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
