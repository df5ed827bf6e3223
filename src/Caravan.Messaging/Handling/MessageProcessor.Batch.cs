using Caravan.Messaging.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Caravan.Messaging;

/// <summary>
/// Handling several messages in one database transaction, in up to two passes.
/// <para>
/// The optimistic pass records the inbox rows of the whole batch with one statement
/// (<see cref="IInboxStore.TryRecordManyAsync"/>), runs the handlers of the messages recorded for the first
/// time one after another with no savepoints, and commits once. Messages already recorded are duplicates;
/// a message id that comes twice in the batch is handled once and its other copies are duplicates. Once
/// stopping, messages whose handlers have not started are given back and their inbox records are taken
/// back in the same transaction (<see cref="IInboxStore.ForgetAsync"/>).
/// </para>
/// <para>
/// If a handler throws in that pass, the whole transaction is rolled back (so nothing of the batch is
/// kept: no inbox row, no business write, no outgoing message), the failing message goes its own way
/// (its failure counts as its first attempt; it continues, in transactions of its own, with the retries it
/// has left, or is dead-lettered at once on a <see cref="PermanentMessageException"/>), and the others are
/// handled again in the savepoint pass: one transaction in which each message runs inside a savepoint of
/// its own (its inbox record, its handlers' writes and its outgoing messages), so a failing message is
/// rolled back alone while the others commit together. Handlers of the messages handled again run twice;
/// only the second run's database work is kept.
/// </para>
/// The guarantees are those of one message per transaction (a message's effects and its inbox record
/// commit together or not at all); only the number of commits and round trips changes.
/// </summary>
internal sealed partial class MessageProcessor
{
    /// <param name="messages">Leased messages of one queue.</param>
    /// <param name="options">The queue's consumer options.</param>
    /// <param name="stopping">Once cancelled, messages not yet started are given back (released) instead of handled.</param>
    /// <param name="cancellationToken">Cancels running handlers (the host's shutdown timeout ran out).</param>
    public async Task<ProcessingDecision[]> ProcessBatchAsync(
        IReadOnlyList<TransportMessage> messages, ConsumerOptions options, CancellationToken stopping, CancellationToken cancellationToken)
    {
        if (messages.Count == 1)
        {
            return [await ProcessAsync(messages[0], options, cancellationToken)];
        }

        var decisions = new ProcessingDecision[messages.Count];
        var prepared = new PreparedMessage?[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            prepared[i] = Prepare(messages[i], options, out decisions[i]);
        }

        var outcomes = await HandleOptimisticallyAsync(prepared, stopping, cancellationToken);
        if (Array.Exists(outcomes, static outcome => outcome.Kind == TogetherKind.Again))
        {
            var again = new PreparedMessage?[prepared.Length];
            for (var i = 0; i < prepared.Length; i++)
            {
                again[i] = outcomes[i].Kind == TogetherKind.Again ? prepared[i] : null;
            }

            var second = await HandleTogetherAsync(again, stopping, cancellationToken);
            for (var i = 0; i < prepared.Length; i++)
            {
                if (again[i] is not null)
                {
                    outcomes[i] = second[i];
                }
            }
        }

        for (var i = 0; i < messages.Count; i++)
        {
            if (prepared[i] is not { } message)
            {
                continue;
            }

            var outcome = outcomes[i];
            decisions[i] = outcome.Kind switch
            {
                TogetherKind.Handled or TogetherKind.Duplicate => ProcessingDecision.Complete,
                TogetherKind.Cancelled => ProcessingDecision.Release,
                TogetherKind.Permanent => DeadLetter(message.Message, FailureInfo.FromException(
                    DeadLetterReason.PermanentFailure,
                    outcome.Failure!,
                    AttemptsBefore(message.Message) + 1)),
                TogetherKind.Failed => await HandleWithRetriesAsync(message, 1, outcome.Failure, cancellationToken),
                _ => await HandleWithRetriesAsync(message, 0, null, cancellationToken),
            };
        }

        return decisions;
    }

    /// <summary>
    /// The optimistic pass (see the type's summary). When it cannot commit, every message it would have
    /// handled is marked <see cref="TogetherKind.Again"/>, except a failing one, which gets its own outcome.
    /// </summary>
    private async Task<TogetherOutcome[]> HandleOptimisticallyAsync(
        PreparedMessage?[] prepared, CancellationToken stopping, CancellationToken cancellationToken)
    {
        var outcomes = new TogetherOutcome[prepared.Length];
        if (stopping.IsCancellationRequested || cancellationToken.IsCancellationRequested)
        {
            Array.Fill(outcomes, new TogetherOutcome(TogetherKind.Cancelled));
            return outcomes;
        }

        // Messages of the batch whose outcome this pass decides.
        var runnable = new List<int>(prepared.Length);
        for (var i = 0; i < prepared.Length; i++)
        {
            if (prepared[i] is not null)
            {
                runnable.Add(i);
            }
        }

        if (runnable.Count == 0)
        {
            return outcomes;
        }

        var durations = new TimeSpan[prepared.Length];
        var outgoing = 0;
        DatabaseTransaction transaction;
        try
        {
            transaction = await runtime.Database.BeginTransactionAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            return AllAgainOrCancelled(outcomes, runnable, ex, cancellationToken);
        }

        await using (transaction)
        {
            var failed = -1;
            try
            {
                var first = await RecordInboxAsync(transaction, prepared, runnable, cancellationToken);
                var unstarted = new List<int>();
                foreach (var i in runnable)
                {
                    var message = prepared[i]!;
                    if (!first.Contains(i))
                    {
                        outcomes[i] = new(TogetherKind.Duplicate);
                        continue;
                    }

                    if (stopping.IsCancellationRequested || cancellationToken.IsCancellationRequested)
                    {
                        outcomes[i] = new(TogetherKind.Cancelled);
                        unstarted.Add(i);
                        continue;
                    }

                    var envelope = message.Message.Envelope;
                    using var activity = MessagingTelemetry.StartProcess(envelope, message.Message.Queue);
                    var started = runtime.TimeProvider.GetTimestamp();
                    failed = i;
                    await using (var scope = scopes.CreateAsyncScope())
                    {
                        await using var context = new MessageContext(
                            runtime, transaction, envelope, message.Message.Queue, scope.ServiceProvider, ownsTransaction: false);
                        foreach (var handler in message.Handlers)
                        {
                            await handler.Invoke(scope.ServiceProvider, message.Body, context, cancellationToken);
                        }

                        outgoing += await context.FlushOutboxAsync(cancellationToken);
                    }

                    failed = -1;
                    outcomes[i] = new(TogetherKind.Handled);
                    durations[i] = runtime.TimeProvider.GetElapsedTime(started);
                }

                // Given back unhandled: their inbox records go too, or they would come back as duplicates.
                foreach (var byQueue in unstarted.GroupBy(i => prepared[i]!.Message.Queue, StringComparer.Ordinal))
                {
                    await inbox.ForgetAsync(
                        transaction.Transaction, byQueue.Key, [.. byQueue.Select(i => prepared[i]!.Message.Envelope.MessageId)], CancellationToken.None);
                }
            }
            catch (Exception ex)
            {
                // Nothing of the batch is kept (disposing the transaction rolls it back).
                if (failed < 0 || (ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
                {
                    // Recording the inbox failed, or the host is stopping hard: no message is to blame.
                    return AllAgainOrCancelled(outcomes, runnable, ex, cancellationToken);
                }

                var envelope = prepared[failed]!.Message.Envelope;
                foreach (var i in runnable)
                {
                    outcomes[i] = new(TogetherKind.Again);
                }

                outcomes[failed] = ex is PermanentMessageException ? new(TogetherKind.Permanent, ex) : new(TogetherKind.Failed, ex);
                if (outcomes[failed].Kind == TogetherKind.Failed)
                {
                    LogHandlerFailed(logger, ex, envelope.MessageType, envelope.MessageId, prepared[failed]!.Message.Queue, 1);
                }

                return outcomes;
            }

            try
            {
                await transaction.CommitAsync(CancellationToken.None);
            }
            catch (Exception ex)
            {
                // Nothing of the batch committed: each message starts over on its own.
                LogBatchCommitFailed(logger, ex, runnable.Count);
                foreach (var i in runnable)
                {
                    outcomes[i] = new(TogetherKind.NotRun);
                }

                return outcomes;
            }
        }

        if (outgoing > 0)
        {
            runtime.OutboxSignal.Notify();
        }

        foreach (var i in runnable)
        {
            var message = prepared[i]!.Message;
            if (outcomes[i].Kind == TogetherKind.Handled)
            {
                metrics.Handled(message.Queue, message.Envelope.MessageType, durations[i]);
            }
            else if (outcomes[i].Kind == TogetherKind.Duplicate)
            {
                metrics.Duplicate(message.Queue);
                LogDuplicate(logger, message.Envelope.MessageType, message.Envelope.MessageId, message.Queue);
            }
        }

        return outcomes;
    }

    /// <summary>
    /// Records the inbox rows of the runnable messages, one statement per queue; returns the indexes of the
    /// messages recorded for the first time (of several copies of one id in the batch, the first one).
    /// </summary>
    private async Task<HashSet<int>> RecordInboxAsync(
        DatabaseTransaction transaction, PreparedMessage?[] prepared, List<int> runnable, CancellationToken cancellationToken)
    {
        var first = new HashSet<int>();
        var now = runtime.TimeProvider.GetUtcNow();
        foreach (var byQueue in runnable.GroupBy(i => prepared[i]!.Message.Queue, StringComparer.Ordinal))
        {
            var firstIndexOf = new Dictionary<Guid, int>();
            foreach (var i in byQueue)
            {
                firstIndexOf.TryAdd(prepared[i]!.Message.Envelope.MessageId, i);
            }

            var recorded = await inbox.TryRecordManyAsync(transaction.Transaction, byQueue.Key, [.. firstIndexOf.Keys], now, cancellationToken);
            foreach (var id in recorded)
            {
                first.Add(firstIndexOf[id]);
            }
        }

        return first;
    }

    private TogetherOutcome[] AllAgainOrCancelled(TogetherOutcome[] outcomes, List<int> runnable, Exception ex, CancellationToken cancellationToken)
    {
        var cancelled = ex is OperationCanceledException && cancellationToken.IsCancellationRequested;
        if (!cancelled)
        {
            LogBatchCommitFailed(logger, ex, runnable.Count);
        }

        foreach (var i in runnable)
        {
            outcomes[i] = new(cancelled ? TogetherKind.Cancelled : TogetherKind.Again);
        }

        return outcomes;
    }

    /// <summary>The savepoint pass (see the type's summary), for the messages of <paramref name="prepared"/> that are not null.</summary>
    private async Task<TogetherOutcome[]> HandleTogetherAsync(
        PreparedMessage?[] prepared, CancellationToken stopping, CancellationToken cancellationToken)
    {
        var outcomes = new TogetherOutcome[prepared.Length];
        var outgoing = 0;
        var durations = new TimeSpan[prepared.Length];
        DatabaseTransaction transaction;
        try
        {
            transaction = await runtime.Database.BeginTransactionAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            // No transaction, nothing ran: give everything back on a hard stop, else let each message
            // go its own way (with its own retries).
            var kind = ex is OperationCanceledException && cancellationToken.IsCancellationRequested ? TogetherKind.Cancelled : TogetherKind.NotRun;
            if (kind == TogetherKind.NotRun)
            {
                LogBatchCommitFailed(logger, ex, prepared.Length);
            }

            Array.Fill(outcomes, new TogetherOutcome(kind));
            return outcomes;
        }

        await using (transaction)
        {
            for (var i = 0; i < prepared.Length; i++)
            {
                if (prepared[i] is not { } message)
                {
                    continue;
                }

                if (stopping.IsCancellationRequested || cancellationToken.IsCancellationRequested)
                {
                    outcomes[i] = new(TogetherKind.Cancelled);
                    continue;
                }

                var envelope = message.Message.Envelope;
                using var activity = MessagingTelemetry.StartProcess(envelope, message.Message.Queue);
                // One name serves every message: savepoints are taken and released one after another.
                const string savepoint = "caravan_message";
                var started = runtime.TimeProvider.GetTimestamp();
                await transaction.SaveAsync(savepoint, CancellationToken.None);
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await using var context = new MessageContext(
                        runtime, transaction, envelope, message.Message.Queue, scope.ServiceProvider, ownsTransaction: false);
                    if (!await inbox.TryRecordAsync(
                        transaction.Transaction, message.Message.Queue, envelope.MessageId, runtime.TimeProvider.GetUtcNow(), cancellationToken))
                    {
                        outcomes[i] = new(TogetherKind.Duplicate);
                    }
                    else
                    {
                        foreach (var handler in message.Handlers)
                        {
                            await handler.Invoke(scope.ServiceProvider, message.Body, context, cancellationToken);
                        }

                        outgoing += await context.FlushOutboxAsync(cancellationToken);
                        outcomes[i] = new(TogetherKind.Handled);
                        durations[i] = runtime.TimeProvider.GetElapsedTime(started);
                    }

                    await transaction.ReleaseAsync(savepoint, CancellationToken.None);
                }
                catch (Exception ex)
                {
                    // Undo this message only; the transaction stays usable for the others.
                    if (!await TryRollbackToAsync(transaction, savepoint))
                    {
                        // The transaction is lost (SQLite may have rolled it back itself): nothing of the
                        // batch will commit, so every message starts over on its own.
                        for (var j = 0; j < outcomes.Length; j++)
                        {
                            outcomes[j] = j == i ? new(TogetherKind.Failed, ex) : new(TogetherKind.NotRun);
                        }

                        return outcomes;
                    }

                    outcomes[i] = ex switch
                    {
                        OperationCanceledException when cancellationToken.IsCancellationRequested => new(TogetherKind.Cancelled),
                        PermanentMessageException => new(TogetherKind.Permanent, ex),
                        _ => new(TogetherKind.Failed, ex),
                    };
                    if (outcomes[i].Kind == TogetherKind.Failed)
                    {
                        LogHandlerFailed(logger, ex, envelope.MessageType, envelope.MessageId, message.Message.Queue, 1);
                    }
                }
            }

            try
            {
                await transaction.CommitAsync(CancellationToken.None);
            }
            catch (Exception ex)
            {
                // Nothing of the batch committed: each message starts over on its own.
                LogBatchCommitFailed(logger, ex, prepared.Length);
                for (var i = 0; i < outcomes.Length; i++)
                {
                    if (outcomes[i].Kind is TogetherKind.Handled or TogetherKind.Duplicate)
                    {
                        outcomes[i] = new(TogetherKind.NotRun);
                    }
                }

                return outcomes;
            }
        }

        if (outgoing > 0)
        {
            runtime.OutboxSignal.Notify();
        }

        for (var i = 0; i < outcomes.Length; i++)
        {
            if (prepared[i] is not { } message)
            {
                continue;
            }

            var envelope = message.Message.Envelope;
            if (outcomes[i].Kind == TogetherKind.Handled)
            {
                metrics.Handled(message.Message.Queue, envelope.MessageType, durations[i]);
            }
            else if (outcomes[i].Kind == TogetherKind.Duplicate)
            {
                metrics.Duplicate(message.Message.Queue);
                LogDuplicate(logger, envelope.MessageType, envelope.MessageId, message.Message.Queue);
            }
        }

        return outcomes;
    }

    private async Task<bool> TryRollbackToAsync(DatabaseTransaction transaction, string savepoint)
    {
        try
        {
            await transaction.RollbackToAsync(savepoint, CancellationToken.None);
            return true;
        }
        catch (Exception ex)
        {
            LogBatchCommitFailed(logger, ex, 1);
            return false;
        }
    }

    private enum TogetherKind
    {
        NotRun,
        Handled,
        Duplicate,
        Failed,
        Permanent,
        Cancelled,

        /// <summary>The optimistic pass rolled back; handled again in the savepoint pass.</summary>
        Again,
    }

    private readonly record struct TogetherOutcome(TogetherKind Kind, Exception? Failure = null);

    [LoggerMessage(EventId = 1305, Level = LogLevel.Warning, Message = "A batch of {Count} message(s) could not be handled together; each is handled on its own")]
    private static partial void LogBatchCommitFailed(ILogger logger, Exception exception, int count);
}
