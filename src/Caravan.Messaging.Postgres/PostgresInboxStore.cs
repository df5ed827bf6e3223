using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace Caravan.Messaging.Postgres;

/// <summary>
/// The inbox in a service's PostgreSQL database, keyed by (endpoint, message id). A second handler of
/// the same message waits on the first one's uncommitted row: it sees a duplicate if the first commits,
/// and records the message itself if the first rolls back.
/// </summary>
public sealed class PostgresInboxStore(PostgresServiceDatabase database) : IInboxStore
{
    public async Task<bool> TryRecordAsync(
        DbTransaction transaction, string endpoint, Guid messageId, DateTimeOffset handledAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var npgsqlTransaction = (NpgsqlTransaction)transaction;
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO caravan_inbox (endpoint, message_id, handled_at) VALUES (@endpoint, @id, @at)
            ON CONFLICT (endpoint, message_id) DO NOTHING
            """,
            npgsqlTransaction.Connection,
            npgsqlTransaction);
        command.Parameters.AddWithValue("endpoint", endpoint);
        command.Parameters.AddWithValue("id", messageId);
        command.Parameters.AddWithValue("at", NpgsqlDbType.TimestampTz, handledAt.ToUniversalTime());
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// One statement for the whole set. The ids are inserted in a fixed order, so that two transactions recording
    /// overlapping sets wait on each other instead of deadlocking.
    /// </summary>
    public async Task<IReadOnlySet<Guid>> TryRecordManyAsync(
        DbTransaction transaction, string endpoint, IReadOnlyList<Guid> messageIds, DateTimeOffset handledAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(messageIds);
        var recorded = new HashSet<Guid>();
        if (messageIds.Count == 0)
        {
            return recorded;
        }

        var ids = messageIds.Distinct().ToArray();
        Array.Sort(ids);
        var npgsqlTransaction = (NpgsqlTransaction)transaction;
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO caravan_inbox (endpoint, message_id, handled_at)
            SELECT $1, id, $3 FROM unnest($2::uuid[]) WITH ORDINALITY AS given(id, position) ORDER BY position
            ON CONFLICT (endpoint, message_id) DO NOTHING
            RETURNING message_id
            """,
            npgsqlTransaction.Connection,
            npgsqlTransaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = endpoint });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = ids });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = handledAt.ToUniversalTime() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            recorded.Add(reader.GetGuid(0));
        }

        return recorded;
    }

    public async Task ForgetAsync(DbTransaction transaction, string endpoint, IReadOnlyList<Guid> messageIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(messageIds);
        if (messageIds.Count == 0)
        {
            return;
        }

        var npgsqlTransaction = (NpgsqlTransaction)transaction;
        await using var command = new NpgsqlCommand(
            "DELETE FROM caravan_inbox WHERE endpoint = $1 AND message_id = ANY($2)", npgsqlTransaction.Connection, npgsqlTransaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = endpoint });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. messageIds] });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int> RemoveHandledBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("DELETE FROM caravan_inbox WHERE handled_at < @cutoff", connection);
        command.Parameters.AddWithValue("cutoff", NpgsqlDbType.TimestampTz, cutoff.ToUniversalTime());
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
