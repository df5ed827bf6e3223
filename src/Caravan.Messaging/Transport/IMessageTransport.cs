namespace Caravan.Messaging;

/// <summary>
/// The broker contract every transport fulfils (the conformance suite checks it):
/// <list type="bullet">
/// <item><see cref="SendAsync"/> returns only once the broker holds the messages durably;</item>
/// <item>a received message is leased, not removed: it is removed by <see cref="CompleteAsync"/>, and
/// redelivered if its lease expires before that;</item>
/// <item>on one queue, ready messages are delivered by priority (highest first), then enqueue order;</item>
/// <item>messages with a <see cref="Envelope.DeliverAt"/> in the future are not delivered before then
/// (when <see cref="SupportsDelayedDelivery"/>).</item>
/// </list>
/// Delivery is at least once: consumers deduplicate with the inbox.
/// </summary>
public interface IMessageTransport
{
    string Name { get; }

    /// <summary>Whether the broker itself holds messages until their <see cref="Envelope.DeliverAt"/>.</summary>
    bool SupportsDelayedDelivery { get; }

    IDeadLetterQueue DeadLetters { get; }

    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>Durably binds message types to a queue: published messages of those types are copied to it.</summary>
    Task SubscribeAsync(string queue, IReadOnlyCollection<string> messageTypes, CancellationToken cancellationToken = default);

    Task SendAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<TransportMessage>> ReceiveAsync(
        string queue, int maxMessages, TimeSpan leaseDuration, CancellationToken cancellationToken = default);

    /// <summary>Waits until a message may be ready on the queue, or at most <paramref name="maxWait"/>.</summary>
    Task WaitForMessagesAsync(string queue, TimeSpan maxWait, CancellationToken cancellationToken = default);

    Task CompleteAsync(IReadOnlyList<TransportMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether <see cref="CompleteAndReceiveAsync"/> completes and leases in one atomic broker operation; consumers
    /// then acknowledge handled messages along with their next lease, saving the broker a transaction.
    /// </summary>
    bool CompletesWithReceive => false;

    /// <summary>
    /// How long a consumer lets the completions of handled messages gather before it hands them to
    /// <see cref="CompleteAsync"/>, so that one broker operation completes many. Worth waiting for where a completion
    /// is a write of its own (the SQLite broker's transaction, which a consumer's next lease can also carry). Not where a
    /// handled message still takes a delivery slot until completed (RabbitMQ counts unacknowledged deliveries against the
    /// consumer's prefetch): a wait there caps a consumer at prefetch / (handling time + wait) messages per second, and
    /// completions gather without it, because a busy consumer finds several waiting each time it sends.
    /// </summary>
    TimeSpan CompletionWindow => TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// Completes <paramref name="completed"/> and leases up to <paramref name="maxMessages"/> messages of
    /// <paramref name="queue"/> as one atomic broker operation: if it fails (or the process dies before it ends),
    /// neither happened, so the completed messages are still leased as before and come back when their leases expire.
    /// Called only when <see cref="CompletesWithReceive"/> is true.
    /// </summary>
    Task<IReadOnlyList<TransportMessage>> CompleteAndReceiveAsync(
        IReadOnlyList<TransportMessage> completed, string queue, int maxMessages, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"The {Name} transport cannot complete and receive in one operation.");

    /// <summary>Counts a failed handling and makes the message visible again after <paramref name="delay"/>.</summary>
    Task RetryLaterAsync(TransportMessage message, TimeSpan delay, CancellationToken cancellationToken = default);

    /// <summary>Gives messages back unhandled (shutdown), visible at once, without counting a failure.</summary>
    Task ReleaseAsync(IReadOnlyList<TransportMessage> messages, CancellationToken cancellationToken = default);

    Task RenewLeasesAsync(IReadOnlyList<TransportMessage> messages, TimeSpan leaseDuration, CancellationToken cancellationToken = default);

    Task DeadLetterAsync(TransportMessage message, FailureInfo failure, CancellationToken cancellationToken = default);

    Task<long> GetQueueDepthAsync(string queue, CancellationToken cancellationToken = default);
}
