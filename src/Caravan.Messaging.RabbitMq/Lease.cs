using RabbitMQ.Client;

namespace Caravan.Messaging.RabbitMq;

/// <summary>
/// A message fetched with basic.get and not yet acknowledged, held by this process until its deadline.
/// Only the channel it came from can settle it; once that channel is closed the broker has requeued the
/// message and the lease is void.
/// </summary>
internal sealed class Lease
{
    private long _expiresAt;

    public required IChannel Channel { get; init; }

    public required ulong DeliveryTag { get; init; }

    /// <summary>The endpoint queue it was received from.</summary>
    public required string Queue { get; init; }

    /// <summary>The broker queue it was received from (the endpoint's lane for its priority).</summary>
    public required string Lane { get; init; }

    public required IReadOnlyBasicProperties Properties { get; init; }

    public required ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The consuming channel's unacknowledged tags, for a pushed delivery.</summary>
    public AckTracker? Acks { get; init; }

    public required int DeliveryCount { get; init; }

    public required int FailureCount { get; init; }

    /// <summary>Unix milliseconds after which the lease has expired.</summary>
    public long ExpiresAt
    {
        get => Interlocked.Read(ref _expiresAt);
        set => Interlocked.Exchange(ref _expiresAt, value);
    }
}
