using Microsoft.Extensions.DependencyInjection;

namespace Caravan.Messaging;

/// <summary>The savepoint pass of a batch (see <c>MessageProcessor.Batch.cs</c>): a savepoint per message, so a failing one is rolled back alone.</summary>
internal sealed partial class MessageProcessor
{
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
                            outcomes[j] = j == i && !RetryPolicy.IsConflict(ex) ? new(TogetherKind.Failed, ex) : new(TogetherKind.NotRun);
                        }

                        return outcomes;
                    }

                    outcomes[i] = ex switch
                    {
                        OperationCanceledException when cancellationToken.IsCancellationRequested => new(TogetherKind.Cancelled),
                        PermanentMessageException => new(TogetherKind.Permanent, ex),
                        // A deadlock or serialization failure is no attempt of the message's: it is handled again on its
                        // own after the batch, with its conflict retries.
                        _ when RetryPolicy.IsConflict(ex) => new(TogetherKind.NotRun),
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
}
