using System.Data.Common;

namespace Caravan.Messaging;

/// <summary>
/// The transactional outbox and the scheduled-message store of one service database.
/// Rows are written in the caller's transaction and removed only after the transport confirmed them.
/// </summary>
public interface IOutboxStore
{
    Task AddAsync(DbTransaction transaction, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds the messages in <paramref name="transaction"/> and commits it (a store may send both in one round trip).
    /// The transaction has ended afterwards, committed or not.
    /// </summary>
    async Task AddAndCommitAsync(DatabaseTransaction transaction, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await AddAsync(transaction.Transaction, messages, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Claims up to <paramref name="maxMessages"/> rows, oldest first, for <paramref name="claimDuration"/>,
    /// so that concurrent relays do not send the same rows (an implementation may return nothing while
    /// another relay's claim lasts). Scheduled rows are included only when due by <paramref name="dueBy"/>
    /// (null: all of them).
    /// </summary>
    Task<IReadOnlyList<OutboxEntry>> ClaimAsync(
        int maxMessages, DateTimeOffset now, DateTimeOffset? dueBy, TimeSpan claimDuration, CancellationToken cancellationToken = default);

    /// <summary>Deletes rows the transport has confirmed (a row whose id now holds another message is left alone).</summary>
    Task RemoveAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken = default);

    Task<long> CountAsync(CancellationToken cancellationToken = default);

    /// <summary>The earliest due time of an unclaimed scheduled row, if any.</summary>
    Task<DateTimeOffset?> GetNextDueAsync(CancellationToken cancellationToken = default);
}

/// <summary>An outbox row: a message waiting to be handed to the transport.</summary>
public sealed record OutboxEntry(long Id, OutgoingMessage Message);
