using RabbitMQ.Client;

namespace Caravan.Messaging.RabbitMq;

/// <summary>
/// Reads a message of a dead-letter queue back into a <see cref="DeadLetter"/>. A message the broker
/// dead-lettered by itself (a quorum queue's delivery limit) has no Caravan failure headers: it reads as
/// <see cref="DeadLetterReason.TooManyDeliveries"/>, with an id derived from its message id.
/// </summary>
internal static class DeadLetterReader
{
    public static DeadLetter Read(string queue, BasicGetResult result)
    {
        var properties = result.BasicProperties;
        var failures = WireFormat.GetInt32(properties, WireFormat.Failures);
        var deadLetteredAt = WireFormat.GetInt64(properties, WireFormat.DeadLetteredAt);
        var id = WireFormat.GetInt64(properties, WireFormat.DeadLetterId, -1);
        var failure = id < 0
            ? new FailureInfo(DeadLetterReason.TooManyDeliveries, null, "The broker's delivery limit of the queue was reached.", null, failures)
            : new FailureInfo(
                (DeadLetterReason)WireFormat.GetInt32(properties, WireFormat.Reason),
                WireFormat.GetString(properties, WireFormat.ExceptionType),
                WireFormat.GetString(properties, WireFormat.ExceptionMessage) ?? string.Empty,
                WireFormat.GetString(properties, WireFormat.StackTrace),
                WireFormat.GetInt32(properties, WireFormat.Attempts));
        var envelope = ReadEnvelope(properties, result.Body.ToArray(), failures);
        if (id < 0)
        {
            id = BitConverter.ToInt64(envelope.MessageId.ToByteArray(), 8) & long.MaxValue;
        }

        return new DeadLetter(
            id,
            queue,
            envelope,
            failure,
            DateTimeOffset.FromUnixTimeMilliseconds(WireFormat.GetInt64(properties, WireFormat.EnqueuedAt, deadLetteredAt)),
            DateTimeOffset.FromUnixTimeMilliseconds(deadLetteredAt));
    }

    /// <summary>The envelope, or, when it cannot be read, one that still shows the raw metadata.</summary>
    private static Envelope ReadEnvelope(IReadOnlyBasicProperties properties, byte[] body, int failures)
    {
        try
        {
            return WireFormat.Decode(properties, body, attempt: failures + 1);
        }
        catch (Exception ex) when (WireFormat.IsUnreadable(ex))
        {
            return new Envelope
            {
                MessageId = Guid.TryParse(properties.MessageId, out var messageId) ? messageId : Guid.Empty,
                MessageType = properties.Type ?? string.Empty,
                Priority = WireFormat.Priority(properties),
                CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(WireFormat.GetInt64(properties, WireFormat.EnqueuedAt)),
                Headers = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [EnvelopeHeaders.UnreadableMetadata] = WireFormat.GetString(properties, WireFormat.Metadata) ?? string.Empty,
                },
                Body = body,
            };
        }
    }
}
