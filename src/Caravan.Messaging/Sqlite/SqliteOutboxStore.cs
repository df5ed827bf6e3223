using System.Data.Common;
using System.Globalization;
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

    public Task AddAsync(DbTransaction transaction, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return Task.CompletedTask;
        }

        // Synchronous: the statements run on the writer connection, which is in memory and in the page cache.
        var insert = database.File.RawStatement((SqliteTransaction)transaction, """
            INSERT INTO caravan_outbox (destination_kind, destination, message_id, message_type, priority, metadata, body, due_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
            """);
        foreach (var message in messages)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var envelope = message.Envelope;
            insert.Bind(1, (int)message.Kind)
                .Bind(2, message.Queue)
                .Bind(3, envelope.MessageId)
                .Bind(4, envelope.MessageType)
                .Bind(5, (int)envelope.Priority)
                .BindText(6, EnvelopeCodec.EncodeMetadataUtf8(envelope))
                .BindBlob(7, envelope.Body.Span)
                .Bind(8, envelope.DeliverAt?.ToUnixTimeMilliseconds())
                .Execute();
        }

        return Task.CompletedTask;
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

        // Prepared per claim (a claim reads up to a batch of rows) on the pooled read connection, and finalized here.
        using var select = SqliteRawStatement.Prepare(connection, """
            SELECT id, destination_kind, destination, message_id, message_type, priority, metadata, body
            FROM caravan_outbox
            WHERE due_at IS NULL OR ?1 IS NULL OR due_at <= ?1
            ORDER BY id
            LIMIT ?2
            """);
        select.Bind(1, dueBy?.ToUnixTimeMilliseconds()).Bind(2, maxMessages);
        var entries = new List<OutboxEntry>();
        try
        {
            while (select.Step())
            {
                var metadata = select.Bytes(6);
                var envelope = EnvelopeCodec.Decode(
                    Guid.Parse(select.Bytes(3), CultureInfo.InvariantCulture),
                    select.Text(4),
                    (MessagePriority)select.Int32(5),
                    metadata,
                    select.Bytes(7).ToArray());
                var kind = (DestinationKind)select.Int32(1);
                var queue = select.IsNull(2) ? null : select.Text(2);
                entries.Add(new OutboxEntry(select.Int64(0), new OutgoingMessage(envelope, kind, queue) { StoredMetadata = metadata.ToArray() }));
            }
        }
        finally
        {
            select.Reset();
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
        var delete = write.RawStatement("DELETE FROM caravan_outbox WHERE id = ?1 AND message_id = ?2");
        foreach (var entry in entries)
        {
            delete.Bind(1, entry.Id).Bind(2, entry.Message.Envelope.MessageId).Execute();
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
