using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace Caravan.Messaging.Postgres;

/// <summary>
/// The outbox in a service's PostgreSQL database. A row is inserted in the business transaction and
/// deleted after the transport confirmed it.
/// <para>
/// Several relays (instances of the service) claim at once, each taking different rows: a claim stamps
/// the oldest rows no one else holds with the relay's id and a lease end, choosing them with
/// <c>FOR UPDATE SKIP LOCKED</c> so that concurrent claims skip each other's rows instead of waiting
/// or taking them twice. A relay that dies leaves its rows to others when the lease ends; one that
/// claims again while its lease lasts gets its own rows back (a renewal). Row ids come from an
/// identity sequence and are never reused, so a late relay's delete cannot touch a newer row.
/// Between relays, rows are not sent in id order; within one claim they are.
/// </para>
/// </summary>
public sealed class PostgresOutboxStore(PostgresServiceDatabase database, string? relayId = null) : IOutboxStore
{
    private readonly string _owner = relayId ?? Guid.NewGuid().ToString("N");

    public async Task AddAsync(DbTransaction transaction, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return;
        }

        var npgsqlTransaction = (NpgsqlTransaction)transaction;
        await using var batch = new NpgsqlBatch(npgsqlTransaction.Connection, npgsqlTransaction);
        AddInserts(batch, messages);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The outbox rows and the COMMIT go to the server together: one round trip.</summary>
    public async Task AddAndCommitAsync(DatabaseTransaction transaction, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0 || transaction is not PostgresTransaction postgres)
        {
            await AddAsync(transaction.Transaction, messages, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return;
        }

        await postgres.CommitAfterAsync(batch => AddInserts(batch, messages), cancellationToken);
    }

    private static void AddInserts(NpgsqlBatch batch, IReadOnlyList<OutgoingMessage> messages)
    {
        foreach (var message in messages)
        {
            var envelope = message.Envelope;
            var command = new NpgsqlBatchCommand(
                """
                INSERT INTO caravan_outbox (destination_kind, destination, message_id, message_type, priority, metadata, body, due_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                """);
            command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)message.Kind });
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)message.Queue ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = envelope.MessageId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = envelope.MessageType });
            command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)envelope.Priority });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = EnvelopeCodec.EncodeMetadata(envelope) });
            command.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { NpgsqlDbType = NpgsqlDbType.Bytea, TypedValue = envelope.Body });
            command.Parameters.Add(new NpgsqlParameter
            {
                NpgsqlDbType = NpgsqlDbType.TimestampTz,
                Value = envelope.DeliverAt is { } at ? at.ToUniversalTime() : DBNull.Value,
            });
            batch.BatchCommands.Add(command);
        }
    }

    public async Task<IReadOnlyList<OutboxEntry>> ClaimAsync(
        int maxMessages, DateTimeOffset now, DateTimeOffset? dueBy, TimeSpan claimDuration, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenForRelayAsync(cancellationToken);

        // One statement, so one implicit transaction: the rows are locked while chosen and stamped, and
        // a concurrent claim that meets a row just stamped re-checks it and finds it held. The chosen ids
        // come as an array, so that the rows are updated through the primary key, one by one (a join would
        // be planned as a scan of the whole table).
        await using var command = new NpgsqlCommand(
            """
            UPDATE caravan_outbox SET claimed_by = @owner, claimed_until = @until
            WHERE id = ANY(ARRAY(
                SELECT id FROM caravan_outbox
                WHERE (claimed_until IS NULL OR claimed_until <= @now OR claimed_by = @owner)
                  AND (due_at IS NULL OR @dueBy IS NULL OR due_at <= @dueBy)
                ORDER BY id
                LIMIT @max
                FOR UPDATE SKIP LOCKED))
            RETURNING id, destination_kind, destination, message_id, message_type, priority, metadata, body
            """,
            connection);
        command.Parameters.AddWithValue("owner", _owner);
        command.Parameters.AddWithValue("until", NpgsqlDbType.TimestampTz, (now + claimDuration).ToUniversalTime());
        command.Parameters.AddWithValue("now", NpgsqlDbType.TimestampTz, now.ToUniversalTime());
        command.Parameters.AddWithValue("dueBy", NpgsqlDbType.TimestampTz, dueBy is { } d ? d.ToUniversalTime() : DBNull.Value);
        command.Parameters.AddWithValue("max", NpgsqlDbType.Integer, maxMessages);

        var entries = new List<OutboxEntry>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var envelope = EnvelopeCodec.Decode(
                    reader.GetGuid(3),
                    reader.GetString(4),
                    (MessagePriority)reader.GetInt16(5),
                    reader.GetString(6),
                    reader.GetFieldValue<byte[]>(7));
                var kind = (DestinationKind)reader.GetInt16(1);
                var queue = reader.IsDBNull(2) ? null : reader.GetString(2);
                entries.Add(new OutboxEntry(reader.GetInt64(0), new OutgoingMessage(envelope, kind, queue)));
            }
        }

        // RETURNING follows no order; the transport gets each claim oldest first.
        entries.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        return entries;
    }

    public async Task RemoveAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        await using var connection = await database.OpenForRelayAsync(cancellationToken);
        await using var command = new NpgsqlCommand("DELETE FROM caravan_outbox WHERE id = ANY(@ids)", connection);
        command.Parameters.AddWithValue("ids", entries.Select(static entry => entry.Id).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM caravan_outbox", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<DateTimeOffset?> GetNextDueAsync(CancellationToken cancellationToken = default)
    {
        // Rows another relay holds are its business: counting them would wake this relay for nothing
        // (and keep waking it, should that relay have died, until its lease ends).
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT min(due_at) FROM caravan_outbox WHERE due_at IS NOT NULL AND claimed_by IS NULL", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return reader.IsDBNull(0) ? null : reader.GetFieldValue<DateTimeOffset>(0);
    }
}
