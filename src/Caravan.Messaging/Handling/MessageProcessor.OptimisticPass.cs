using Microsoft.Extensions.DependencyInjection;

namespace Caravan.Messaging;

/// <summary>The optimistic pass of a batch (see <c>MessageProcessor.Batch.cs</c>): one inbox statement, no savepoints, one commit.</summary>
internal sealed partial class MessageProcessor
{
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
                if (outcomes[failed].Kind == TogetherKind.Failed && !RetryPolicy.IsConflict(ex))
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
                    outcomes[i] = new(TogetherKind.NotRun, ex);
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
            outcomes[i] = cancelled ? new(TogetherKind.Cancelled) : new(TogetherKind.Again, ex);
        }

        return outcomes;
    }
}
