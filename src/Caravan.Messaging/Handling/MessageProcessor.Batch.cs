using Caravan.Messaging.Internal;
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

        // A deadlock or serialization failure rolled the whole batch back for reasons of timing, not of any message. Run
        // again as a batch it would take its locks across messages in the same order and likely meet the same other
        // transaction again, so each message goes on its own instead (its locks in its handler's own consistent order),
        // with its conflict retries, and nothing counts as a failed attempt.
        // An unreachable database rolled the batch back for no message's sake either; trying each message on its own would
        // only meet it again. Every message not yet decided goes back, uncounted, and the consumer pauses.
        if (FindUnavailable(outcomes) is { } unreachable)
        {
            for (var i = 0; i < outcomes.Length; i++)
            {
                if (outcomes[i].Kind is TogetherKind.Again or TogetherKind.Failed or TogetherKind.NotRun)
                {
                    outcomes[i] = new(TogetherKind.NotRun, unreachable);
                }
            }
        }
        else if (FindConflict(outcomes) is not null)
        {
            for (var i = 0; i < outcomes.Length; i++)
            {
                if (outcomes[i].Kind is TogetherKind.Again or TogetherKind.Failed)
                {
                    outcomes[i] = new(TogetherKind.NotRun);
                }
            }
        }

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
                TogetherKind.NotRun or TogetherKind.Failed when RetryPolicy.IsUnavailable(outcome.Failure) => ProcessingDecision.Unavailable,
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

    /// <summary>The failure to reach the database that rolled a pass back, if that is what did.</summary>
    private static Exception? FindUnavailable(TogetherOutcome[] outcomes)
    {
        foreach (var outcome in outcomes)
        {
            if (RetryPolicy.IsUnavailable(outcome.Failure))
            {
                return outcome.Failure;
            }
        }

        return null;
    }

    /// <summary>The conflict (deadlock, serialization failure) that rolled a pass back, if that is what did.</summary>
    private static Exception? FindConflict(TogetherOutcome[] outcomes)
    {
        foreach (var outcome in outcomes)
        {
            if (RetryPolicy.IsConflict(outcome.Failure))
            {
                return outcome.Failure;
            }
        }

        return null;
    }

    private enum TogetherKind
    {
        /// <summary>Not run, or rolled back with the whole batch (<see cref="TogetherOutcome.Failure"/> says why, if known); handled on its own.</summary>
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
