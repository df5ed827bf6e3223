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
    // A buffer and writer per thread for encodings that are used right away (bound to a statement, copied into a string).
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public static string EncodeMetadata(Envelope envelope) => Encoding.UTF8.GetString(EncodeMetadataUtf8(envelope));

    /// <summary>
    /// The metadata as UTF-8 JSON in a buffer of the calling thread: valid only until this thread encodes again, so
    /// for use before the next await (SQLite copies a bound value).
    /// </summary>
    internal static ReadOnlySpan<byte> EncodeMetadataUtf8(Envelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
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
        writer.Flush();
        return buffer.WrittenSpan;
    }

    public static Envelope Decode(
        Guid messageId, string messageType, MessagePriority priority, string metadata, ReadOnlyMemory<byte> body, int attempt = 1)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var length = Encoding.UTF8.GetMaxByteCount(metadata.Length);
        byte[]? rented = null;
        var utf8 = length <= 1024 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            return Decode(messageId, messageType, priority, utf8[..Encoding.UTF8.GetBytes(metadata, utf8)], body, attempt);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Reads the metadata from its UTF-8 JSON as a store returns it, without building a document.</summary>
    public static Envelope Decode(
        Guid messageId, string messageType, MessagePriority priority, ReadOnlySpan<byte> metadata, ReadOnlyMemory<byte> body, int attempt = 1)
    {
        var reader = new Utf8JsonReader(metadata);
        Read(ref reader);
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("The envelope metadata is not a JSON object.");
        }

        string? correlationId = null, causationId = null, replyTo = null, traceParent = null;
        long? createdAt = null, deliverAt = null;
        Dictionary<string, string>? headers = null;
        while (Read(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("correlationId"u8))
            {
                correlationId = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("causationId"u8))
            {
                causationId = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("createdAt"u8))
            {
                Read(ref reader);
                createdAt = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("deliverAt"u8))
            {
                Read(ref reader);
                deliverAt = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("replyTo"u8))
            {
                replyTo = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("traceparent"u8))
            {
                traceParent = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("headers"u8))
            {
                headers = ReadHeaders(ref reader);
            }
            else
            {
                // A property of a newer version: skipped, as JSON readers of the envelope always did.
                Read(ref reader);
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            throw new JsonException("The envelope metadata is not a JSON object.");
        }

        return new Envelope
        {
            MessageId = messageId,
            MessageType = messageType,
            Priority = priority,
            Attempt = attempt,
            Body = body,
            CorrelationId = correlationId,
            CausationId = causationId,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(createdAt ?? throw new KeyNotFoundException("The envelope metadata has no createdAt.")),
            DeliverAt = deliverAt is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null,
            ReplyTo = replyTo,
            TraceParent = traceParent,
            Headers = headers ?? Envelope.EmptyHeaders,
        };
    }

    /// <summary>Whether an exception from <c>Decode</c> or parsing a stored id means the stored row is unreadable.</summary>
    internal static bool IsUnreadable(Exception exception) =>
        exception is FormatException or JsonException or KeyNotFoundException or InvalidOperationException;

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static bool Read(ref Utf8JsonReader reader) =>
        reader.Read() ? true : throw new JsonException("The envelope metadata ends early.");

    // null stays null; any other non-string value is unreadable (GetString throws InvalidOperationException).
    private static string? ReadString(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        return reader.GetString();
    }

    private static Dictionary<string, string> ReadHeaders(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("The envelope headers are not a JSON object.");
        }

        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        while (Read(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            Read(ref reader);
            headers[name] = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString()!,
                JsonTokenType.Null => string.Empty,
                _ => throw new InvalidOperationException($"The envelope header '{name}' is not a string."),
            };
        }

        return headers;
    }
}
