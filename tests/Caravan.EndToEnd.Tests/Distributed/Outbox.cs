using Npgsql;

namespace Caravan.EndToEnd.Tests.Distributed;

/// <summary>Reads a service's transactional outbox (<c>caravan_outbox</c>) in its PostgreSQL database.</summary>
public static class Outbox
{
    /// <summary>
    /// Ids of the rows a relay has claimed and still holds (its claim has not run out): committed messages it
    /// is handing to the broker, not yet confirmed — a row leaves the outbox only once the broker confirmed it.
    /// None when the database does not exist (yet).
    /// </summary>
    public static async Task<IReadOnlyList<long>> HeldRowsAsync(string database, CancellationToken cancellationToken)
    {
        const string Sql = "SELECT id FROM caravan_outbox WHERE claimed_by IS NOT NULL AND claimed_until > now() ORDER BY id";
        return await QueryAsync(database, Sql, null, cancellationToken);
    }

    /// <summary>Which of <paramref name="ids"/> are still in the outbox (not yet sent and confirmed).</summary>
    public static async Task<IReadOnlyList<long>> RemainingAsync(string database, IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        const string Sql = "SELECT id FROM caravan_outbox WHERE id = ANY(@ids) ORDER BY id";
        return await QueryAsync(database, Sql, ids.ToArray(), cancellationToken);
    }

    /// <summary>How many rows the outbox holds, or null when the database or table does not exist.</summary>
    public static async Task<long?> CountAsync(string database, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT count(*) FROM caravan_outbox", connection);
            return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.UndefinedTable)
        {
            return null;
        }
    }

    /// <summary>For a failure message: rows, rows held under a live claim, rows whose claim ran out, and the latest claim's end.</summary>
    public static async Task<string> DescribeAsync(string database, CancellationToken cancellationToken)
    {
        const string Sql = """
            SELECT count(*), count(*) FILTER (WHERE claimed_until > now()), count(*) FILTER (WHERE claimed_until <= now()),
                   to_char(max(claimed_until) AT TIME ZONE 'UTC', 'HH24:MI:SS.MS')
            FROM caravan_outbox
            """;
        try
        {
            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(Sql, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var latest = reader.IsDBNull(3) ? "never" : reader.GetString(3);
            return $"{reader.GetInt64(0)} rows, {reader.GetInt64(1)} held, {reader.GetInt64(2)} with an expired claim, latest claim until {latest}";
        }
        catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.UndefinedTable)
        {
            return "no outbox";
        }
    }

    private static async Task<IReadOnlyList<long>> QueryAsync(string database, string sql, long[]? ids, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(sql, connection);
            if (ids is not null)
            {
                command.Parameters.AddWithValue("ids", ids);
            }

            var found = new List<long>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                found.Add(reader.GetInt64(0));
            }

            return found;
        }
        catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.UndefinedTable)
        {
            return [];
        }
    }
}
