using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Caravan.Messaging;

/// <summary>
/// Writes and reads the part of an envelope that stores keep as one JSON column ("metadata"):
/// everything except id, type, priority and body, which stores keep in columns of their own so
/// that they can be indexed and filtered.
/// </summary>
public static class EnvelopeCodec
{
    public static string EncodeMetadata(Envelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            WriteIfSet(writer, "correlationId", envelope.CorrelationId);
            WriteIfSet(writer, "causationId", envelope.CausationId);
            writer.WriteNumber("createdAt", envelope.CreatedAt.ToUnixTimeMilliseconds());
            if (envelope.DeliverAt is { } deliverAt)
            {
                writer.WriteNumber("deliverAt", deliverAt.ToUnixTimeMilliseconds());
            }

            WriteIfSet(writer, "replyTo", envelope.ReplyTo);
            WriteIfSet(writer, "traceparent", envelope.TraceParent);
            if (envelope.Headers.Count > 0)
            {
                writer.WriteStartObject("headers");
                foreach (var (key, value) in envelope.Headers)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static Envelope Decode(
        Guid messageId, string messageType, MessagePriority priority, string metadata, ReadOnlyMemory<byte> body, int attempt = 1)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        using var document = JsonDocument.Parse(metadata);
        var root = document.RootElement;
        Dictionary<string, string>? headers = null;
        if (root.TryGetProperty("headers", out var headersElement))
        {
            headers = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in headersElement.EnumerateObject())
            {
                headers[property.Name] = property.Value.GetString() ?? string.Empty;
            }
        }

        return new Envelope
        {
            MessageId = messageId,
            MessageType = messageType,
            Priority = priority,
            Attempt = attempt,
            Body = body,
            CorrelationId = GetString(root, "correlationId"),
            CausationId = GetString(root, "causationId"),
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("createdAt").GetInt64()),
            DeliverAt = root.TryGetProperty("deliverAt", out var deliverAt)
                ? DateTimeOffset.FromUnixTimeMilliseconds(deliverAt.GetInt64())
                : null,
            ReplyTo = GetString(root, "replyTo"),
            TraceParent = GetString(root, "traceparent"),
            Headers = headers ?? Envelope.EmptyHeaders,
        };
    }

    /// <summary>Whether an exception from <see cref="Decode"/> or parsing a stored id means the stored row is unreadable.</summary>
    internal static bool IsUnreadable(Exception exception) =>
        exception is FormatException or JsonException or KeyNotFoundException or InvalidOperationException;

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static string? GetString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? value.GetString() : null;
}
