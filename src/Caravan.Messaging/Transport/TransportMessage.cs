namespace Caravan.Messaging;

/// <summary>
/// A message leased from a queue. Until it is completed, retried, released or dead-lettered it
/// stays invisible to other consumers; if its lease runs out (the consumer died) it becomes
/// visible again and is redelivered.
/// </summary>
public sealed class TransportMessage
{
    public required string Queue { get; init; }

    /// <summary>The envelope, with <see cref="Envelope.Attempt"/> set to <see cref="FailureCount"/> + 1.</summary>
    public required Envelope Envelope { get; init; }

    /// <summary>How many times the message was leased, this time included.</summary>
    public required int DeliveryCount { get; init; }

    /// <summary>How many handlings of the message failed and were scheduled for a delayed retry.</summary>
    public required int FailureCount { get; init; }

    public required DateTimeOffset EnqueuedAt { get; init; }

    /// <summary>The transport's own handle (row and lease token, delivery tag, …).</summary>
    public required object LeaseHandle { get; init; }
}
