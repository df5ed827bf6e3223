using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Caravan.Messaging.Sqlite;

/// <summary>
/// The embedded broker: one SQLite file in WAL mode shared by the processes of one machine.
/// Every state change is a short BEGIN IMMEDIATE transaction; leases carry a random token so that a
/// consumer whose lease expired cannot complete or fail a message another consumer now holds.
/// </summary>
public sealed partial class SqliteTransport : IMessageTransport, IDisposable
{
    private const string CompleteSql = "DELETE FROM caravan_queue WHERE seq = ?1 AND lease_token = ?2";

    private readonly SqliteFile _file;
    private readonly TimeProvider _timeProvider;
    private readonly IRandomSource _random;
    private readonly ILogger _logger;
    private readonly SqliteDoorbell _doorbell;

    public SqliteTransport(
        SqliteTransportOptions options, TimeProvider timeProvider, IRandomSource random, ILogger<SqliteTransport>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _file = SqliteFile.For(options.Path, options.FullDurability);
        _timeProvider = timeProvider;
        _random = random;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _doorbell = new SqliteDoorbell(_file.FullPath, timeProvider, _logger);
        DeadLetters = new SqliteDeadLetterQueue(this);
    }

    public string Name => "sqlite";

    public string FilePath => _file.FullPath;

    public bool SupportsDelayedDelivery => true;

    public IDeadLetterQueue DeadLetters { get; }

    internal TimeProvider TimeProvider => _timeProvider;

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var write = await _file.BeginWriteAsync(cancellationToken);
        await using (var command = write.CreateCommand(SqliteBrokerSchema.Create))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await write.CommitAsync(cancellationToken);
    }

    public async Task SubscribeAsync(string queue, IReadOnlyCollection<string> messageTypes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        ArgumentNullException.ThrowIfNull(messageTypes);
        await using var write = await _file.BeginWriteAsync(cancellationToken);
        var command = write.Statement("INSERT INTO caravan_subscriptions (message_type, queue) VALUES ($type, $queue) ON CONFLICT DO NOTHING");
        var type = command.Parameters.Add("$type", SqliteType.Text);
        command.Parameters.AddWithValue("$queue", queue);
        foreach (var messageType in messageTypes)
        {
            type.Value = messageType;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await write.CommitAsync(cancellationToken);
    }

    public async Task SendAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return;
        }

        var now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var touched = new HashSet<string>(StringComparer.Ordinal);
        await using (var write = await _file.BeginWriteAsync(cancellationToken))
        {
            var insert = write.RawStatement("""
                INSERT INTO caravan_queue (queue, priority, visible_at, enqueued_at, message_id, message_type, metadata, body)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                """);
            var subscribers = new Dictionary<string, List<string>>(StringComparer.Ordinal);

            foreach (var message in messages)
            {
                var envelope = message.Envelope;
                var queues = message.Kind == DestinationKind.Send
                    ? [message.Queue ?? throw new InvalidOperationException($"Message {envelope.MessageId} is sent without a queue.")]
                    : await GetSubscribersAsync(write, envelope.MessageType, subscribers, cancellationToken);
                if (queues.Count == 0)
                {
                    LogUnrouted(_logger, envelope.MessageType, envelope.MessageId);
                    continue;
                }

                insert.Bind(2, (int)envelope.Priority)
                    .Bind(3, Math.Max(now, envelope.DeliverAt?.ToUnixTimeMilliseconds() ?? now))
                    .Bind(4, now)
                    .Bind(5, envelope.MessageId)
                    .Bind(6, envelope.MessageType)
                    .BindText(7, message.StoredMetadata ?? EnvelopeCodec.EncodeMetadataUtf8(envelope))
                    .BindBlob(8, envelope.Body.Span);
                foreach (var target in queues)
                {
                    insert.Bind(1, target).Execute();
                    touched.Add(target);
                }
            }

            await write.CommitAsync(cancellationToken);
        }

        _doorbell.Ring(touched);
    }

    public async Task<IReadOnlyList<TransportMessage>> ReceiveAsync(
        string queue, int maxMessages, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        await using var write = await _file.BeginWriteAsync(cancellationToken);
        var received = await LeaseAsync(write, queue, maxMessages, leaseDuration, cancellationToken);
        await write.CommitAsync(cancellationToken);
        return received;
    }

    public bool CompletesWithReceive => true;

    /// <summary>Deletes the completed messages and leases the next ones in one write transaction: both or neither.</summary>
    public async Task<IReadOnlyList<TransportMessage>> CompleteAndReceiveAsync(
        IReadOnlyList<TransportMessage> completed, string queue, int maxMessages, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(completed);
        await using var write = await _file.BeginWriteAsync(cancellationToken);
        ForEachLease(write, completed, CompleteSql, null, cancellationToken);
        var received = await LeaseAsync(write, queue, maxMessages, leaseDuration, cancellationToken);
        await write.CommitAsync(cancellationToken);
        return received;
    }

    private async Task<List<TransportMessage>> LeaseAsync(
        SqliteWrite write, string queue, int maxMessages, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var token = _random.NextInt64();
        var received = new List<TransportMessage>(maxMessages);
        List<(long Seq, Exception Error)>? unreadable = null;
        var lease = write.RawStatement("""
            UPDATE caravan_queue
            SET visible_at = ?1, lease_token = ?2, delivery_count = delivery_count + 1
            WHERE seq IN (
                SELECT seq FROM caravan_queue
                WHERE queue = ?3 AND visible_at <= ?4
                ORDER BY priority DESC, seq
                LIMIT ?5)
            RETURNING seq, priority, delivery_count, failure_count, enqueued_at, message_id, message_type, metadata, body
            """);
        lease.Bind(1, (now + leaseDuration).ToUnixTimeMilliseconds())
            .Bind(2, token)
            .Bind(3, queue)
            .Bind(4, now.ToUnixTimeMilliseconds())
            .Bind(5, maxMessages);
        try
        {
            while (lease.Step())
            {
                var seq = lease.Int64(0);
                var failures = lease.Int32(3);
                try
                {
                    received.Add(new TransportMessage
                    {
                        Queue = queue,
                        DeliveryCount = lease.Int32(2),
                        FailureCount = failures,
                        EnqueuedAt = DateTimeOffset.FromUnixTimeMilliseconds(lease.Int64(4)),
                        LeaseHandle = new Lease(seq, token),
                        Envelope = EnvelopeCodec.Decode(
                            Guid.Parse(lease.Bytes(5), CultureInfo.InvariantCulture),
                            lease.Text(6),
                            (MessagePriority)lease.Int32(1),
                            lease.Bytes(7),
                            lease.Bytes(8).ToArray(),
                            attempt: failures + 1),
                    });
                }
                catch (Exception ex) when (EnvelopeCodec.IsUnreadable(ex))
                {
                    (unreadable ??= []).Add((seq, ex));
                }
            }
        }
        finally
        {
            lease.Reset();
        }

        // A row whose envelope cannot be read (written by another version, or by hand) would come first
        // on every lease and block its queue: it goes to the dead letters in the same transaction.
        foreach (var (seq, error) in unreadable ?? [])
        {
            await MoveToDeadLettersAsync(write, seq, token, FailureInfo.FromException(DeadLetterReason.DeserializationFailed, error, 0), cancellationToken);
        }

        received.Sort(static (a, b) =>
        {
            var byPriority = ((int)b.Envelope.Priority).CompareTo((int)a.Envelope.Priority);
            return byPriority != 0 ? byPriority : ((Lease)a.LeaseHandle).Seq.CompareTo(((Lease)b.LeaseHandle).Seq);
        });
        return received;
    }

    public async Task WaitForMessagesAsync(string queue, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        var wait = maxWait;
        await using (var connection = await _file.OpenAsync(cancellationToken))
        await using (var command = connection.CreateCommand())
        {
            // Rows nobody leases (see SqliteBrokerSchema): an expired lease is found by the next wait's end (maxWait).
            command.CommandText = "SELECT MIN(visible_at) FROM caravan_queue WHERE queue = $queue AND lease_token IS NULL";
            command.Parameters.AddWithValue("$queue", queue);
            if (await command.ExecuteScalarAsync(cancellationToken) is long nextVisible)
            {
                var untilVisible = DateTimeOffset.FromUnixTimeMilliseconds(nextVisible) - _timeProvider.GetUtcNow();
                if (untilVisible < wait)
                {
                    // Wake a millisecond late rather than early: visibility is compared in whole milliseconds.
                    wait = untilVisible <= TimeSpan.Zero ? TimeSpan.Zero : untilVisible + TimeSpan.FromMilliseconds(1);
                }
            }
        }

        if (wait > TimeSpan.Zero)
        {
            await _doorbell.WaitAsync(queue, wait, cancellationToken);
        }
    }

    public Task CompleteAsync(IReadOnlyList<TransportMessage> messages, CancellationToken cancellationToken = default) =>
        ForEachLeaseAsync(messages, CompleteSql, null, cancellationToken);

    public async Task RetryLaterAsync(TransportMessage message, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var visibleAt = (_timeProvider.GetUtcNow() + delay).ToUnixTimeMilliseconds();
        await ForEachLeaseAsync(
            [message],
            "UPDATE caravan_queue SET visible_at = ?3, lease_token = NULL, failure_count = failure_count + 1 WHERE seq = ?1 AND lease_token = ?2",
            visibleAt,
            cancellationToken);
        _doorbell.Ring([message.Queue]);
    }

    public async Task ReleaseAsync(IReadOnlyList<TransportMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        await ForEachLeaseAsync(
            messages,
            "UPDATE caravan_queue SET visible_at = ?3, lease_token = NULL, delivery_count = delivery_count - 1 WHERE seq = ?1 AND lease_token = ?2",
            _timeProvider.GetUtcNow().ToUnixTimeMilliseconds(),
            cancellationToken);
        _doorbell.Ring(messages.Select(m => m.Queue).Distinct().ToList());
    }

    public Task RenewLeasesAsync(IReadOnlyList<TransportMessage> messages, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
        ForEachLeaseAsync(
            messages,
            "UPDATE caravan_queue SET visible_at = ?3 WHERE seq = ?1 AND lease_token = ?2",
            (_timeProvider.GetUtcNow() + leaseDuration).ToUnixTimeMilliseconds(),
            cancellationToken);

    public async Task DeadLetterAsync(TransportMessage message, FailureInfo failure, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(failure);
        var lease = (Lease)message.LeaseHandle;
        await using var write = await _file.BeginWriteAsync(cancellationToken);
        await MoveToDeadLettersAsync(write, lease.Seq, lease.Token, failure, cancellationToken);
        await write.CommitAsync(cancellationToken);
    }

    public async Task<long> GetQueueDepthAsync(string queue, CancellationToken cancellationToken = default)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM caravan_queue WHERE queue = $queue";
        command.Parameters.AddWithValue("$queue", queue);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public void Dispose() => _doorbell.Dispose();

    internal SqliteFile File => _file;

    internal void Ring(IReadOnlyCollection<string> queues) => _doorbell.Ring(queues);

    private async Task ForEachLeaseAsync(
        IReadOnlyList<TransportMessage> messages, string sql, long? at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return;
        }

        await using var write = await _file.BeginWriteAsync(cancellationToken);
        ForEachLease(write, messages, sql, at, cancellationToken);
        await write.CommitAsync(cancellationToken);
    }

    private static void ForEachLease(
        SqliteWrite write, IReadOnlyList<TransportMessage> messages, string sql, long? at, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return;
        }

        var statement = write.RawStatement(sql);
        if (at is { } value)
        {
            statement.Bind(3, value);
        }

        foreach (var message in messages)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var lease = (Lease)message.LeaseHandle;
            statement.Bind(1, lease.Seq).Bind(2, lease.Token).Execute();
        }

    }

    private static async Task<IReadOnlyList<string>> GetSubscribersAsync(
        SqliteWrite write,
        string messageType,
        Dictionary<string, List<string>> cache,
        CancellationToken cancellationToken)
    {
        if (cache.TryGetValue(messageType, out var cached))
        {
            return cached;
        }

        var queues = new List<string>();
        var command = write.Statement("SELECT queue FROM caravan_subscriptions WHERE message_type = $type ORDER BY queue");
        command.Parameters.AddWithValue("$type", messageType);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            queues.Add(reader.GetString(0));
        }

        cache[messageType] = queues;
        return queues;
    }

    private async Task MoveToDeadLettersAsync(SqliteWrite write, long seq, long token, FailureInfo failure, CancellationToken cancellationToken)
    {
        var command = write.Statement("""
            INSERT INTO caravan_dead_letters (queue, message_id, message_type, priority, metadata, body, enqueued_at,
                dead_lettered_at, delivery_count, failure_count, reason, exception_type, exception_message, stack_trace, attempts)
            SELECT queue, message_id, message_type, priority, metadata, body, enqueued_at,
                $now, delivery_count, failure_count, $reason, $exceptionType, $exceptionMessage, $stackTrace, $attempts
            FROM caravan_queue WHERE seq = $seq AND lease_token = $token;
            DELETE FROM caravan_queue WHERE seq = $seq AND lease_token = $token;
            """);
        command.Parameters.AddWithValue("$now", _timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$reason", (int)failure.Reason);
        command.Parameters.AddWithValue("$exceptionType", (object?)failure.ExceptionType ?? DBNull.Value);
        command.Parameters.AddWithValue("$exceptionMessage", failure.Message);
        command.Parameters.AddWithValue("$stackTrace", (object?)failure.StackTrace ?? DBNull.Value);
        command.Parameters.AddWithValue("$attempts", failure.Attempts);
        command.Parameters.AddWithValue("$seq", seq);
        command.Parameters.AddWithValue("$token", token);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    internal sealed record Lease(long Seq, long Token);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Published {MessageType} {MessageId} has no subscriber; nothing was enqueued")]
    private static partial void LogUnrouted(ILogger logger, string messageType, Guid messageId);
}
