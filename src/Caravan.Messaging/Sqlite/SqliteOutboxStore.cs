using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Caravan.Messaging.Sqlite;

/// <summary>
/// The outbox in a service's SQLite database. A row is inserted in the business transaction and
/// deleted after the transport confirmed it. Relays of several processes sharing the database take
/// turns through one relay lease (caravan_outbox_relay), which expires by itself when its holder dies;
/// a relay deletes a row only if it still holds the message it sent, so a late relay cannot touch newer rows.
/// </summary>
public sealed class SqliteOutboxStore(SqliteServiceDatabase database, string? relayId = null) : IOutboxStore
{
    private readonly string _owner = relayId ?? Guid.NewGuid().ToString("N");

    // Unix ms after which a claim writes the relay lease again: a third of the way through the lease it wrote last,
    // so at least two thirds of claimDuration remain at every claim that skips the write.
    private long _renewAfter = long.MinValue;

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
        // One relay lease per database, not a stamp on every row. It is written only when a third of it
        // has passed (so a claim always leaves at least two thirds of claimDuration), and the rows are read
        // on a read connection: most claims take no write transaction and never hold up the service's writers.
        if (now.ToUnixTimeMilliseconds() > Volatile.Read(ref _renewAfter) && !await RenewLeaseAsync(now, claimDuration, cancellationToken))
        {
            return [];
        }

        await using var connection = await database.File.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, destination_kind, destination, message_id, message_type, priority, metadata, body
            FROM caravan_outbox
            WHERE due_at IS NULL OR $dueBy IS NULL OR due_at <= $dueBy
            ORDER BY id
            LIMIT $max
            """;
        command.Parameters.AddWithValue("$dueBy", dueBy is { } d ? d.ToUnixTimeMilliseconds() : DBNull.Value);
        command.Parameters.AddWithValue("$max", maxMessages);
        var entries = new List<OutboxEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var metadata = reader.GetString(6);
            var envelope = EnvelopeCodec.Decode(
                Guid.Parse(reader.GetString(3)),
                reader.GetString(4),
                (MessagePriority)reader.GetInt32(5),
                metadata,
                (byte[])reader.GetValue(7));
            var kind = (DestinationKind)reader.GetInt32(1);
            var queue = reader.IsDBNull(2) ? null : reader.GetString(2);
            entries.Add(new OutboxEntry(reader.GetInt64(0), new OutgoingMessage(envelope, kind, queue) { StoredMetadata = metadata }));
        }

        return entries;
    }

    public async Task RemoveAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        await using var write = await database.File.BeginWriteAsync(cancellationToken);

        // Matching the message id too: row ids may be reused once the newest rows are gone, and a relay
        // that was paused past its lease must not delete a newer row that took the id of one it sent.
        var command = write.Statement("DELETE FROM caravan_outbox WHERE id = $id AND message_id = $messageId");
        var id = command.Parameters.Add("$id", SqliteType.Integer);
        var messageId = command.Parameters.Add("$messageId", SqliteType.Text);
        foreach (var entry in entries)
        {
            id.Value = entry.Id;
            messageId.Value = entry.Message.Envelope.MessageId.ToString();
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await write.CommitAsync(cancellationToken);
    }

    private async Task<bool> RenewLeaseAsync(DateTimeOffset now, TimeSpan claimDuration, CancellationToken cancellationToken)
    {
        var until = (now + claimDuration).ToUnixTimeMilliseconds();
        await using var write = await database.File.BeginWriteAsync(cancellationToken);
        var lease = write.Statement("""
            INSERT INTO caravan_outbox_relay (id, owner, until) VALUES (1, $owner, $until)
            ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, until = excluded.until
            WHERE caravan_outbox_relay.owner = excluded.owner OR caravan_outbox_relay.until <= $now
            """);
        lease.Parameters.AddWithValue("$owner", _owner);
        lease.Parameters.AddWithValue("$until", until);
        lease.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        if (await lease.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            return false;
        }

        await write.CommitAsync(cancellationToken);
        Volatile.Write(ref _renewAfter, now.ToUnixTimeMilliseconds() + ((long)claimDuration.TotalMilliseconds / 3));
        return true;
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
