namespace Caravan.Messaging;

/// <summary>Per-message choices when publishing, sending or scheduling.</summary>
public sealed record MessageOptions
{
    public MessagePriority Priority { get; init; } = MessagePriority.Normal;

    /// <summary>For a send: the queue, when it differs from the message type's registered destination.</summary>
    public string? Destination { get; init; }

    /// <summary>Defaults to the correlation id of the message being handled, else the new message's id.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>For a send: where replies go; defaults to this service's queue.</summary>
    public string? ReplyTo { get; init; }

    public DateTimeOffset? DeliverAt { get; init; }

    public IReadOnlyDictionary<string, string>? Headers { get; init; }
}
