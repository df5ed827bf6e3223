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

    /// <summary>Forgets messages handled before <paramref name="cutoff"/>; returns how many.</summary>
    Task<int> RemoveHandledBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);
}
