namespace Caravan.Messaging;

/// <summary>
/// The operator's view of failed messages: list, inspect, replay (put back on the original queue
/// with a fresh retry budget) and purge. Replay keeps the message id, so a message that was in fact
/// handled before it was dead-lettered is still deduplicated by the inbox.
/// </summary>
public interface IDeadLetterQueue
{
    Task<IReadOnlyList<DeadLetter>> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken = default);

    Task<DeadLetter?> GetAsync(long id, CancellationToken cancellationToken = default);

    Task<long> CountAsync(DeadLetterQuery query, CancellationToken cancellationToken = default);

    /// <summary>Moves one dead letter back to its queue; false when no such dead letter exists.</summary>
    Task<bool> ReplayAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Moves every dead letter matching the query back to its queue; returns how many.</summary>
    Task<int> ReplayAsync(DeadLetterQuery query, CancellationToken cancellationToken = default);

    /// <summary>Deletes every dead letter matching the query; returns how many.</summary>
    Task<int> PurgeAsync(DeadLetterQuery query, CancellationToken cancellationToken = default);
}
