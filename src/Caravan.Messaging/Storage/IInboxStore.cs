using System.Data.Common;

namespace Caravan.Messaging;

/// <summary>
/// The inbox of one service database: the ids of messages each endpoint has handled. Recording
/// happens in the handler's transaction, so "handled" and "recorded" commit or roll back together.
/// </summary>
public interface IInboxStore
{
    /// <summary>Records the message as handled; false when it was already recorded (a duplicate).</summary>
    Task<bool> TryRecordAsync(
        DbTransaction transaction, string endpoint, Guid messageId, DateTimeOffset handledAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records several messages of one endpoint as handled, in the caller's transaction; returns the ids recorded
    /// now (the others were recorded before: duplicates). Equal to <see cref="TryRecordAsync"/> for each id in
    /// turn; a store may do it in one statement.
    /// </summary>
    async Task<IReadOnlySet<Guid>> TryRecordManyAsync(
        DbTransaction transaction, string endpoint, IReadOnlyList<Guid> messageIds, DateTimeOffset handledAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        var recorded = new HashSet<Guid>();
        foreach (var messageId in messageIds)
        {
            if (await TryRecordAsync(transaction, endpoint, messageId, handledAt, cancellationToken))
            {
                recorded.Add(messageId);
            }
        }

        return recorded;
    }

    /// <summary>
    /// Takes back, in the caller's transaction, records that transaction made for messages it then did not handle
    /// (a batch stopped before their handlers ran): they are not duplicates when they come again. A store that
    /// cannot throws <see cref="NotSupportedException"/> (the default); the consumer then rolls the batch back and
    /// gives every message of it back.
    /// </summary>
    Task ForgetAsync(DbTransaction transaction, string endpoint, IReadOnlyList<Guid> messageIds, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} cannot take back inbox records.");

    /// <summary>Forgets messages handled before <paramref name="cutoff"/>; returns how many.</summary>
    Task<int> RemoveHandledBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);
}
