using System.Text;
using Microsoft.Data.Sqlite;

namespace Caravan.Messaging.Sqlite;

/// <summary>Dead letters of the SQLite broker; replay moves rows back to their queue in one transaction.</summary>
internal sealed class SqliteDeadLetterQueue(SqliteTransport transport) : IDeadLetterQueue
{
    private const string Columns = """
        id, queue, message_id, message_type, priority, metadata, body, enqueued_at, dead_lettered_at,
        failure_count, reason, exception_type, exception_message, stack_trace, attempts
        """;

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await transport.File.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM caravan_dead_letters WHERE {Where(command, query)} ORDER BY id LIMIT $limit";
        command.Parameters.AddWithValue("$limit", query.Limit ?? DeadLetterQuery.DefaultListLimit);
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<DeadLetter?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await transport.File.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM caravan_dead_letters WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        var found = await ReadAsync(command, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public async Task<long> CountAsync(DeadLetterQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await transport.File.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM caravan_dead_letters WHERE {Where(command, query)}";
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<bool> ReplayAsync(long id, CancellationToken cancellationToken = default)
    {
        var moved = await MoveBackAsync(
            command =>
            {
                command.Parameters.AddWithValue("$id", id);
                return "id = $id";
            },
            limit: 1,
            cancellationToken);
        return moved == 1;
    }

    public Task<int> ReplayAsync(DeadLetterQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return MoveBackAsync(command => Where(command, query), query.Limit ?? -1, cancellationToken);
    }

    public async Task<int> PurgeAsync(DeadLetterQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var write = await transport.File.BeginWriteAsync(cancellationToken);
        var connection = write.SqliteConnection;
        var transaction = write.SqliteTransaction;
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            DELETE FROM caravan_dead_letters WHERE id IN (
                SELECT id FROM caravan_dead_letters WHERE {Where(command, query)} ORDER BY id LIMIT $limit)
            """;
        command.Parameters.AddWithValue("$limit", query.Limit ?? -1);
        var purged = await command.ExecuteNonQueryAsync(cancellationToken);
        await write.CommitAsync(cancellationToken);
        return purged;
    }

    // limit: at most this many; -1 (SQLite's "no limit") for all.
    private async Task<int> MoveBackAsync(Func<SqliteCommand, string> bindWhere, int limit, CancellationToken cancellationToken)
    {
        var queues = new List<string>();
        int moved;
        await using (var write = await transport.File.BeginWriteAsync(cancellationToken))
        {
            var connection = write.SqliteConnection;
            var transaction = write.SqliteTransaction;
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var where = bindWhere(command);

            // Replayed messages get a fresh retry budget and a new place at the back of their queue.
            command.CommandText = $"""
                CREATE TEMP TABLE IF NOT EXISTS replay_ids (id INTEGER PRIMARY KEY);
                DELETE FROM replay_ids;
                INSERT INTO replay_ids SELECT id FROM caravan_dead_letters WHERE {where} ORDER BY id LIMIT $limit;
                INSERT INTO caravan_queue (queue, priority, visible_at, enqueued_at, message_id, message_type, metadata, body)
                    SELECT queue, priority, $now, $now, message_id, message_type, metadata, body
                    FROM caravan_dead_letters WHERE id IN (SELECT id FROM replay_ids) ORDER BY id;
                SELECT DISTINCT queue FROM caravan_dead_letters WHERE id IN (SELECT id FROM replay_ids);
                """;
            command.Parameters.AddWithValue("$limit", limit);
            command.Parameters.AddWithValue("$now", transport.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds());
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    queues.Add(reader.GetString(0));
                }
            }

            await using var delete = connection.CreateCommand();
            delete.Transaction = transaction;
            delete.CommandText = "DELETE FROM caravan_dead_letters WHERE id IN (SELECT id FROM replay_ids)";
            moved = await delete.ExecuteNonQueryAsync(cancellationToken);
            await write.CommitAsync(cancellationToken);
        }

        transport.Ring(queues);
        return moved;
    }

    private static string Where(SqliteCommand command, DeadLetterQuery query)
    {
        var where = new StringBuilder("1 = 1");
        if (query.Queue is not null)
        {
            where.Append(" AND queue = $queue");
            command.Parameters.AddWithValue("$queue", query.Queue);
        }

        if (query.MessageType is not null)
        {
            where.Append(" AND message_type = $type");
            command.Parameters.AddWithValue("$type", query.MessageType);
        }

        if (query.From is { } from)
        {
            where.Append(" AND dead_lettered_at >= $from");
            command.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
        }

        if (query.To is { } to)
        {
            where.Append(" AND dead_lettered_at < $to");
            command.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
        }

        if (query.AfterId is { } afterId)
        {
            where.Append(" AND id > $afterId");
            command.Parameters.AddWithValue("$afterId", afterId);
        }

        return where.ToString();
    }

    /// <summary>The stored envelope, or, when it cannot be read, one that still shows its raw metadata.</summary>
    private static Envelope ReadEnvelope(SqliteDataReader reader)
    {
        var body = (byte[])reader.GetValue(6);
        var metadata = reader.GetString(5);
        try
        {
            return EnvelopeCodec.Decode(
                Guid.Parse(reader.GetString(2)), reader.GetString(3), (MessagePriority)reader.GetInt32(4), metadata, body, attempt: reader.GetInt32(9) + 1);
        }
        catch (Exception ex) when (EnvelopeCodec.IsUnreadable(ex))
        {
            return new Envelope
            {
                MessageId = Guid.TryParse(reader.GetString(2), out var id) ? id : Guid.Empty,
                MessageType = reader.GetString(3),
                Priority = (MessagePriority)reader.GetInt32(4),
                CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                Headers = new Dictionary<string, string>(StringComparer.Ordinal) { [EnvelopeHeaders.UnreadableMetadata] = metadata },
                Body = body,
            };
        }
    }

    private static async Task<IReadOnlyList<DeadLetter>> ReadAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var result = new List<DeadLetter>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var attempts = reader.GetInt32(14);
            var envelope = ReadEnvelope(reader);
            var failure = new FailureInfo(
                (DeadLetterReason)reader.GetInt32(10),
                reader.IsDBNull(11) ? null : reader.GetString(11),
                reader.GetString(12),
                reader.IsDBNull(13) ? null : reader.GetString(13),
                attempts);
            result.Add(new DeadLetter(
                reader.GetInt64(0),
                reader.GetString(1),
                envelope,
                failure,
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8))));
        }

        return result;
    }
}
