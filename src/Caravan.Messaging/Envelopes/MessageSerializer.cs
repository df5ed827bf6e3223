using System.Text.Json;

namespace Caravan.Messaging;

/// <summary>Turns messages into envelope bodies and back, with System.Text.Json.</summary>
public sealed class MessageSerializer(JsonSerializerOptions options)
{
    public byte[] Serialize(object message, Type type) => JsonSerializer.SerializeToUtf8Bytes(message, type, options);

    /// <summary>Reads a body; throws <see cref="JsonException"/> when it does not fit the type.</summary>
    public object Deserialize(ReadOnlyMemory<byte> body, Type type) =>
        JsonSerializer.Deserialize(body.Span, type, options)
        ?? throw new JsonException($"The body is the JSON literal null, not a {type.Name}.");
}
