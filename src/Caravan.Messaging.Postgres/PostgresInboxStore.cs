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

    public async Task<int> RemoveHandledBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("DELETE FROM caravan_inbox WHERE handled_at < @cutoff", connection);
        command.Parameters.AddWithValue("cutoff", NpgsqlDbType.TimestampTz, cutoff.ToUniversalTime());
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
