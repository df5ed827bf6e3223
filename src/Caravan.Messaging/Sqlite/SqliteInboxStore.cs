using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Caravan.Messaging.Sqlite;

/// <summary>The inbox in a service's SQLite database, keyed by (endpoint, message id).</summary>
public sealed class SqliteInboxStore(SqliteServiceDatabase database) : IInboxStore
{
    private const string RecordSql = """
        INSERT INTO caravan_inbox (endpoint, message_id, handled_at) VALUES (?1, ?2, ?3)
        ON CONFLICT (endpoint, message_id) DO NOTHING
        """;

    public async Task<bool> TryRecordAsync(
        DbTransaction transaction, string endpoint, Guid messageId, DateTimeOffset handledAt, CancellationToken cancellationToken = default)
    {
        var recorded = await TryRecordManyAsync(transaction, endpoint, [messageId], handledAt, cancellationToken);
        return recorded.Count == 1;
    }

    /// <summary>One prepared statement for the whole batch, its parameters bound once and only the id changed per message.</summary>
    public Task<IReadOnlySet<Guid>> TryRecordManyAsync(
        DbTransaction transaction, string endpoint, IReadOnlyList<Guid> messageIds, DateTimeOffset handledAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(messageIds);
        var insert = database.File.RawStatement((SqliteTransaction)transaction, RecordSql).Bind(1, endpoint).Bind(3, handledAt.ToUnixTimeMilliseconds());
        var recorded = new HashSet<Guid>();
        foreach (var messageId in messageIds)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (insert.Bind(2, messageId).Execute() == 1)
            {
                recorded.Add(messageId);
            }
        }

        return Task.FromResult<IReadOnlySet<Guid>>(recorded);
    }

    public async Task ForgetAsync(DbTransaction transaction, string endpoint, IReadOnlyList<Guid> messageIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(messageIds);
        foreach (var messageId in messageIds)
        {
            var command = database.File.Statement((SqliteTransaction)transaction, "DELETE FROM caravan_inbox WHERE endpoint = $endpoint AND message_id = $id");
            command.Parameters.AddWithValue("$endpoint", endpoint);
            command.Parameters.AddWithValue("$id", messageId.ToString());
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task<int> RemoveHandledBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await using var write = await database.File.BeginWriteAsync(cancellationToken);
        int removed;
        await using (var command = write.CreateCommand("DELETE FROM caravan_inbox WHERE handled_at < $cutoff"))
        {
            command.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
            removed = await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await write.CommitAsync(cancellationToken);
        return removed;
    }
}
