namespace Caravan.Messaging;

/// <summary>
/// A message as it travels: identity, routing metadata and a serialized JSON body.
/// Envelopes are immutable; the pipeline derives new ones with <c>with</c>.
/// </summary>
public sealed record Envelope
{
    /// <summary>Unique, time-sortable (GUID v7) id; the inbox deduplicates on it.</summary>
    public required Guid MessageId { get; init; }

    /// <summary>The stable wire name of the message type (never a CLR type name).</summary>
    public required string MessageType { get; init; }

    /// <summary>Ties together every message of one conversation or saga.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>The id of the message whose handling caused this one.</summary>
    public string? CausationId { get; init; }

    public MessagePriority Priority { get; init; } = MessagePriority.Normal;

    /// <summary>1 for the first delivery; grows with each failed (retried) handling.</summary>
    public int Attempt { get; init; } = 1;

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When set, the message is not delivered before this moment.</summary>
    public DateTimeOffset? DeliverAt { get; init; }

    /// <summary>The queue that replies to this message should be sent to (request/reply).</summary>
    public string? ReplyTo { get; init; }

    /// <summary>W3C trace context of the span that produced the message.</summary>
    public string? TraceParent { get; init; }

    public IReadOnlyDictionary<string, string> Headers { get; init; } = EmptyHeaders;

    /// <summary>The message serialized as UTF-8 JSON.</summary>
    public required ReadOnlyMemory<byte> Body { get; init; }

    internal static readonly IReadOnlyDictionary<string, string> EmptyHeaders = new Dictionary<string, string>();
}
