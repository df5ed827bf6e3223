namespace Caravan.Messaging;

/// <summary>Where an outgoing message goes: to every subscriber of its type, or to one queue.</summary>
public enum DestinationKind
{
    /// <summary>An event: every queue subscribed to the message type receives a copy.</summary>
    Publish = 0,

    /// <summary>A command or a reply: exactly one named queue receives it.</summary>
    Send = 1,
}

/// <summary>An envelope with its destination, as the outbox stores it and the transport takes it.</summary>
public sealed record OutgoingMessage(Envelope Envelope, DestinationKind Kind, string? Queue)
{
    public static OutgoingMessage Publish(Envelope envelope) => new(envelope, DestinationKind.Publish, null);

    public static OutgoingMessage Send(Envelope envelope, string queue) => new(envelope, DestinationKind.Send, queue);

    /// <summary>
    /// The envelope's metadata exactly as a store already encoded it (<see cref="EnvelopeCodec.EncodeMetadata"/>, as
    /// UTF-8), so that a transport storing the same encoding need not write it again. Set only by the outbox reader.
    /// </summary>
    internal byte[]? StoredMetadata
    {
        get => ReferenceEquals(_storedFor, Envelope) ? _storedMetadata : null;
        init
        {
            _storedMetadata = value;
            _storedFor = Envelope;
        }
    }

    // The envelope the stored metadata belongs to: a copy made with `with { Envelope = … }` does not reuse it.
    private readonly byte[]? _storedMetadata;
    private readonly Envelope? _storedFor;

    // Equality stays what it was: envelope, kind and queue (the stored encoding is a cache, not a value).
    public bool Equals(OutgoingMessage? other) =>
        other is not null
        && EqualityComparer<Envelope>.Default.Equals(Envelope, other.Envelope)
        && Kind == other.Kind
        && string.Equals(Queue, other.Queue, StringComparison.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Envelope, Kind, Queue);
}
