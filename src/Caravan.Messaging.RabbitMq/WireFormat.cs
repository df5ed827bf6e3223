using System.Globalization;
using System.Text;
using RabbitMQ.Client;

namespace Caravan.Messaging.RabbitMq;

/// <summary>
/// How an envelope travels as an AMQP message: id, type and priority in the basic properties, the rest of
/// the envelope as Caravan's metadata JSON in a header, the body as is; the transport's own bookkeeping
/// (deliveries and failures counted so far, enqueue time) in headers, since the broker keeps no such counts
/// for classic queues. Dead letters also carry their failure in headers.
/// </summary>
internal static class WireFormat
{
    public const string Metadata = "caravan-metadata";
    public const string Deliveries = "caravan-deliveries";
    public const string Failures = "caravan-failures";
    public const string EnqueuedAt = "caravan-enqueued-at";
    public const string Queue = "caravan-queue";
    public const string DeadLetterId = "caravan-dead-letter-id";
    public const string DeadLetteredAt = "caravan-dead-lettered-at";
    public const string Reason = "caravan-reason";
    public const string ExceptionType = "caravan-exception-type";
    public const string ExceptionMessage = "caravan-exception-message";
    public const string StackTrace = "caravan-stack-trace";
    public const string Attempts = "caravan-attempts";

    // Headers travel in one frame (128 KiB by default); a deep stack trace must not make a dead letter unsendable.
    private const int MaxStackTraceLength = 16 * 1024;

    /// <summary>Properties of a fresh message: nothing delivered or failed yet.</summary>
    public static BasicProperties Create(Envelope envelope, DateTimeOffset enqueuedAt)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return new BasicProperties
        {
            Persistent = true,
            MessageId = envelope.MessageId.ToString(),
            Type = envelope.MessageType,
            Priority = (byte)envelope.Priority,
            ContentType = "application/json",
            Headers = new Dictionary<string, object?>
            {
                [Metadata] = EnvelopeCodec.EncodeMetadata(envelope),
                [RabbitMqTopology.PriorityHeader] = RabbitMqTopology.PriorityValue(envelope.Priority),
                [EnqueuedAt] = enqueuedAt.ToUnixTimeMilliseconds(),
                [Deliveries] = 0,
                [Failures] = 0,
            },
        };
    }

    /// <summary>A copy of received properties with some headers replaced (and the failure headers of a dead letter dropped).</summary>
    public static BasicProperties Copy(IReadOnlyBasicProperties source, IReadOnlyDictionary<string, object?> changes)
    {
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in source.Headers ?? new Dictionary<string, object?>())
        {
            // x-death (from delay queues) would grow with every hop; the rest is the transport's own.
            if (!key.StartsWith("x-", StringComparison.Ordinal))
            {
                headers[key] = value;
            }
        }

        foreach (var (key, value) in changes)
        {
            if (value is null)
            {
                headers.Remove(key);
            }
            else
            {
                headers[key] = value;
            }
        }

        return new BasicProperties
        {
            Persistent = true,
            MessageId = source.MessageId,
            Type = source.Type,
            Priority = source.Priority,
            ContentType = source.ContentType,
            Headers = headers,
        };
    }

    public static Dictionary<string, object?> FailureHeaders(FailureInfo failure, long id, string queue, DateTimeOffset now) => new()
    {
        [DeadLetterId] = id,
        [DeadLetteredAt] = now.ToUnixTimeMilliseconds(),
        [Queue] = queue,
        [Reason] = (int)failure.Reason,
        [ExceptionType] = failure.ExceptionType,
        [ExceptionMessage] = failure.Message,
        [StackTrace] = failure.StackTrace is { Length: > MaxStackTraceLength } trace ? trace[..MaxStackTraceLength] : failure.StackTrace,
        [Attempts] = failure.Attempts,
    };

    /// <summary>Removes what a dead letter carries, for a replay with a fresh retry budget.</summary>
    public static Dictionary<string, object?> FreshStart(DateTimeOffset now) => new()
    {
        [Deliveries] = 0,
        [Failures] = 0,
        [EnqueuedAt] = now.ToUnixTimeMilliseconds(),
        [DeadLetterId] = null,
        [DeadLetteredAt] = null,
        [Queue] = null,
        [Reason] = null,
        [ExceptionType] = null,
        [ExceptionMessage] = null,
        [StackTrace] = null,
        [Attempts] = null,
    };

    public static MessagePriority Priority(IReadOnlyBasicProperties properties) =>
        properties.Priority is >= (byte)MessagePriority.Low and <= (byte)MessagePriority.Critical
            ? (MessagePriority)properties.Priority
            : MessagePriority.Normal;

    /// <summary>Decodes the envelope; throws <see cref="FormatException"/> (or a JSON error) when it cannot be read.</summary>
    public static Envelope Decode(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, int attempt)
    {
        var metadata = GetString(properties, Metadata) ?? throw new FormatException($"The message has no {Metadata} header.");
        return EnvelopeCodec.Decode(
            Guid.Parse(properties.MessageId ?? string.Empty),
            properties.Type ?? throw new FormatException("The message has no type."),
            Priority(properties),
            metadata,
            body,
            attempt);
    }

    public static bool IsUnreadable(Exception exception) =>
        exception is FormatException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException;

    public static string? GetString(IReadOnlyBasicProperties properties, string header) =>
        properties.Headers?.TryGetValue(header, out var value) == true
            ? value switch
            {
                byte[] bytes => Encoding.UTF8.GetString(bytes),
                string text => text,
                null => null,
                _ => Convert.ToString(value, CultureInfo.InvariantCulture),
            }
            : null;

    public static long GetInt64(IReadOnlyBasicProperties properties, string header, long fallback = 0) =>
        properties.Headers?.TryGetValue(header, out var value) == true
            ? value switch
            {
                long number => number,
                int number => number,
                short number => number,
                byte number => number,
                uint number => number,
                byte[] bytes when long.TryParse(Encoding.UTF8.GetString(bytes), CultureInfo.InvariantCulture, out var parsed) => parsed,
                _ => fallback,
            }
            : fallback;

    public static int GetInt32(IReadOnlyBasicProperties properties, string header, int fallback = 0) =>
        (int)GetInt64(properties, header, fallback);
}
