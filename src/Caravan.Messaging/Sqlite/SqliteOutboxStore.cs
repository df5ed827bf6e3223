using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Caravan.Messaging.Sqlite;

/// <summary>
/// The outbox in a service's SQLite database. A row is inserted in the business transaction and
/// deleted after the transport confirmed it; a claim (claimed_until) keeps concurrent relays apart and
/// expires by itself when the claiming process dies.
/// </summary>
public sealed class SqliteOutboxStore(SqliteServiceDatabase database) : IOutboxStore
{
    public async Task AddAsync(DbTransaction transaction, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return;
        }

        var sqliteTransaction = (SqliteTransaction)transaction;
        var command = database.File.Statement(sqliteTransaction, """
            INSERT INTO caravan_outbox (destination_kind, destination, message_id, message_type, priority, metadata, body, due_at)
            VALUES ($kind, $destination, $id, $type, $priority, $metadata, $body, $due)
            """);
        var kind = command.Parameters.Add("$kind", SqliteType.Integer);
        var destination = command.Parameters.Add("$destination", SqliteType.Text);
        var id = command.Parameters.Add("$id", SqliteType.Text);
        var type = command.Parameters.Add("$type", SqliteType.Text);
        var priority = command.Parameters.Add("$priority", SqliteType.Integer);
        var metadata = command.Parameters.Add("$metadata", SqliteType.Text);
        var body = command.Parameters.Add("$body", SqliteType.Blob);
        var due = command.Parameters.Add("$due", SqliteType.Integer);
        foreach (var message in messages)
        {
            var envelope = message.Envelope;
            kind.Value = (int)message.Kind;
            destination.Value = (object?)message.Queue ?? DBNull.Value;
            id.Value = envelope.MessageId.ToString();
            type.Value = envelope.MessageType;
            priority.Value = (int)envelope.Priority;
            metadata.Value = EnvelopeCodec.EncodeMetadata(envelope);
            body.Value = envelope.Body.ToArray();
            due.Value = envelope.DeliverAt is { } at ? at.ToUnixTimeMilliseconds() : DBNull.Value;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task<IReadOnlyList<OutboxEntry>> ClaimAsync(
        int maxMessages, DateTimeOffset now, DateTimeOffset? dueBy, TimeSpan claimDuration, CancellationToken cancellationToken = default)
    {
        await using var write = await database.File.BeginWriteAsync(cancellationToken);
        var connection = write.SqliteConnection;
        var transaction = write.SqliteTransaction;
        var command = write.Statement("""
            UPDATE caravan_outbox SET claimed_until = $until
            WHERE id IN (
                SELECT id FROM caravan_outbox
                WHERE (claimed_until IS NULL OR claimed_until <= $now)
                  AND (due_at IS NULL OR $dueBy IS NULL OR due_at <= $dueBy)
                ORDER BY id
                LIMIT $max)
            RETURNING id, destination_kind, destination, message_id, message_type, priority, metadata, body
            """);
        command.Parameters.AddWithValue("$until", (now + claimDuration).ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$dueBy", dueBy is { } d ? d.ToUnixTimeMilliseconds() : DBNull.Value);
        command.Parameters.AddWithValue("$max", maxMessages);
        var entries = new List<OutboxEntry>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var envelope = EnvelopeCodec.Decode(
                    Guid.Parse(reader.GetString(3)),
                    reader.GetString(4),
                    (MessagePriority)reader.GetInt32(5),
                    reader.GetString(6),
                    (byte[])reader.GetValue(7));
                var kind = (DestinationKind)reader.GetInt32(1);
                var queue = reader.IsDBNull(2) ? null : reader.GetString(2);
                entries.Add(new OutboxEntry(reader.GetInt64(0), new OutgoingMessage(envelope, kind, queue)));
            }
        }

        await transaction.CommitAsync(cancellationToken);
        entries.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        return entries;
    }

    public async Task RemoveAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return;
        }

        await using var write = await database.File.BeginWriteAsync(cancellationToken);
        var connection = write.SqliteConnection;
        var transaction = write.SqliteTransaction;
        var command = write.Statement("DELETE FROM caravan_outbox WHERE id = $id");
        var id = command.Parameters.Add("$id", SqliteType.Integer);
        foreach (var value in ids)
        {
            id.Value = value;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.File.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM caravan_outbox";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<DateTimeOffset?> GetNextDueAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.File.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(due_at) FROM caravan_outbox WHERE due_at IS NOT NULL";
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }
}
