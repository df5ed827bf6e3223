using System.Text.Json;
using Caravan.Messaging.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Caravan.Messaging;

/// <summary>
/// Handles one leased message and decides its fate. The handlers, the inbox record and the
/// handlers' outgoing messages share one database transaction: a redelivered message whose inbox
/// record exists is a duplicate and is completed without running any handler. Failures follow the
/// retry policy; content that can never be handled (unknown type, undeserializable body, a
/// <see cref="PermanentMessageException"/>) goes straight to the dead-letter queue.
/// </summary>
internal sealed partial class MessageProcessor(
    MessagingRuntime runtime,
    HandlerRegistry handlers,
    IInboxStore inbox,
    IServiceScopeFactory scopes,
    IRandomSource random,
    MessagingMetrics metrics,
    ILogger<MessageProcessor> logger)
{
    public async Task<ProcessingDecision> ProcessAsync(
        TransportMessage message, ConsumerOptions options, CancellationToken cancellationToken)
    {
        using var activity = MessagingTelemetry.StartProcess(message.Envelope, message.Queue);
        var prepared = Prepare(message, options, out var rejected);
        return prepared is null ? rejected : await HandleWithRetriesAsync(prepared, 0, null, cancellationToken);
    }

    /// <summary>Checks what can be known before running a handler; a message that can never be handled gets its dead-letter decision.</summary>
    private PreparedMessage? Prepare(TransportMessage message, ConsumerOptions options, out ProcessingDecision rejected)
    {
        var envelope = message.Envelope;
        var queue = message.Queue;
        rejected = default;
        var withoutOutcome = message.DeliveryCount - message.FailureCount - 1;
        if (withoutOutcome >= options.MaxDeliveriesWithoutOutcome)
        {
            rejected = DeadLetter(message, new FailureInfo(
                DeadLetterReason.TooManyDeliveries,
                null,
                $"Leased {withoutOutcome} times before without an outcome: consumers died or lost the lease while handling it.",
                null,
                message.DeliveryCount));
            return null;
        }

        if (!runtime.Types.TryGet(envelope.MessageType, out var registration))
        {
            rejected = DeadLetter(message, new FailureInfo(
                DeadLetterReason.UnknownMessageType, null, $"No message type is registered as '{envelope.MessageType}'.", null, 1));
            return null;
        }

        var registered = handlers.Get(queue, envelope.MessageType);
        if (registered.Count == 0)
        {
            rejected = DeadLetter(message, new FailureInfo(
                DeadLetterReason.NoHandler, null, $"Queue '{queue}' has no handler for '{envelope.MessageType}'.", null, 1));
            return null;
        }

        try
        {
            return new PreparedMessage(message, runtime.Serializer.Deserialize(envelope.Body, registration.ClrType), registered);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentException)
        {
            rejected = DeadLetter(message, FailureInfo.FromException(DeadLetterReason.DeserializationFailed, ex, 1));
            return null;
        }
    }

    /// <summary>
    /// Handles one message in transactions of its own, with the immediate retries left after
    /// <paramref name="attemptsMade"/> attempts of this delivery, then decides on a delayed retry or a dead letter.
    /// </summary>
    private async Task<ProcessingDecision> HandleWithRetriesAsync(
        PreparedMessage prepared, int attemptsMade, Exception? failure, CancellationToken cancellationToken)
    {
        var message = prepared.Message;
        var envelope = message.Envelope;
        var queue = message.Queue;
        var retry = runtime.Options.Retry;
        var attempts = AttemptsBefore(message) + attemptsMade;
        var conflicts = 0;
        for (var attempt = attemptsMade; attempt <= retry.ImmediateRetries; attempt++)
        {
            attempts++;
            var started = runtime.TimeProvider.GetTimestamp();
            try
            {
                if (await HandleOnceAsync(message, prepared.Body, prepared.Handlers, cancellationToken))
                {
                    metrics.Handled(queue, envelope.MessageType, runtime.TimeProvider.GetElapsedTime(started));
                }
                else
                {
                    metrics.Duplicate(queue);
                    LogDuplicate(logger, envelope.MessageType, envelope.MessageId, queue);
                }

                return ProcessingDecision.Complete;
            }
            catch (PermanentMessageException ex)
            {
                return DeadLetter(message, FailureInfo.FromException(DeadLetterReason.PermanentFailure, ex, attempts));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return ProcessingDecision.Release;
            }
            catch (Exception ex) when (RetryPolicy.IsUnavailable(ex))
            {
                // The database is down, not the message: it goes back without an attempt counted, and the consumer pauses.
                LogUnavailable(logger, ex, envelope.MessageType, envelope.MessageId, queue);
                return ProcessingDecision.Unavailable;
            }
            catch (Exception ex) when (RetryPolicy.IsConflict(ex) && conflicts < retry.ConflictRetries)
            {
                // A deadlock or serialization failure: the same attempt again, after a short jittered wait.
                conflicts++;
                await WaitAfterConflictAsync(ex, envelope, queue, conflicts, cancellationToken);
                attempt--;
                attempts--;
            }
            catch (Exception ex)
            {
                failure = ex;
                LogHandlerFailed(logger, ex, envelope.MessageType, envelope.MessageId, queue, attempts);
            }
        }

        if (message.FailureCount < retry.DelayedRetries)
        {
            var delay = retry.GetDelay(message.FailureCount + 1, random.NextDouble());
            metrics.Retried(queue, envelope.MessageType);
            LogRetryScheduled(logger, envelope.MessageType, envelope.MessageId, queue, message.FailureCount + 1, delay);
            return ProcessingDecision.RetryLater(delay);
        }

        return DeadLetter(message, FailureInfo.FromException(DeadLetterReason.RetriesExhausted, failure!, attempts));
    }

    private async Task<bool> HandleOnceAsync(
        TransportMessage message, object body, IReadOnlyList<HandlerRegistration> registered, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var transaction = await runtime.Database.BeginTransactionAsync(cancellationToken);
        await using var context = new MessageContext(runtime, transaction, message.Envelope, message.Queue, scope.ServiceProvider);
        var first = await inbox.TryRecordAsync(
            transaction.Transaction, message.Queue, message.Envelope.MessageId, runtime.TimeProvider.GetUtcNow(), cancellationToken);
        if (!first)
        {
            await context.RollbackAsync(cancellationToken);
            return false;
        }

        foreach (var handler in registered)
        {
            await handler.Invoke(scope.ServiceProvider, body, context, cancellationToken);
        }

        await context.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Waits before conflict retry number <paramref name="retry"/> (the injected clock and random source). A hard stop cuts
    /// the wait short; the retry then finds the token cancelled and gives the message back.
    /// </summary>
    private async Task WaitAfterConflictAsync(Exception conflict, Envelope envelope, string queue, int retry, CancellationToken cancellationToken)
    {
        var delay = runtime.Options.Retry.GetConflictDelay(retry, random.NextDouble());
        LogConflictRetry(logger, conflict, envelope.MessageType, envelope.MessageId, queue, retry, delay);
        try
        {
            await Task.Delay(delay, runtime.TimeProvider, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the next attempt sees the token.
        }
    }

    /// <summary>Handling attempts made in the deliveries before this one (each delivery makes 1 + ImmediateRetries).</summary>
    private int AttemptsBefore(TransportMessage message) => message.FailureCount * (runtime.Options.Retry.ImmediateRetries + 1);

    private sealed record PreparedMessage(TransportMessage Message, object Body, IReadOnlyList<HandlerRegistration> Handlers);

    private ProcessingDecision DeadLetter(TransportMessage message, FailureInfo failure)
    {
        LogDeadLettered(logger, message.Envelope.MessageType, message.Envelope.MessageId, message.Queue, failure.Reason, failure.Message);
        return ProcessingDecision.DeadLetter(failure);
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Handling {MessageType} {MessageId} on {Queue} failed (attempt {Attempt})")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string messageType, Guid messageId, string queue, int attempt);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "{MessageType} {MessageId} on {Queue}: delayed retry {Retry} in {Delay}")]
    private static partial void LogRetryScheduled(ILogger logger, string messageType, Guid messageId, string queue, int retry, TimeSpan delay);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Error, Message = "{MessageType} {MessageId} on {Queue} dead-lettered ({Reason}): {Why}")]
    private static partial void LogDeadLettered(ILogger logger, string messageType, Guid messageId, string queue, DeadLetterReason reason, string why);

    [LoggerMessage(EventId = 1306, Level = LogLevel.Debug, Message = "{MessageType} {MessageId} on {Queue} met a concurrent transaction (deadlock or serialization failure); conflict retry {Retry} in {Delay}")]
    private static partial void LogConflictRetry(ILogger logger, Exception exception, string messageType, Guid messageId, string queue, int retry, TimeSpan delay);

    [LoggerMessage(EventId = 1307, Level = LogLevel.Debug, Message = "{MessageType} {MessageId} on {Queue} is given back: the service's database could not be reached")]
    private static partial void LogUnavailable(ILogger logger, Exception exception, string messageType, Guid messageId, string queue);

    [LoggerMessage(EventId = 1304, Level = LogLevel.Debug, Message = "{MessageType} {MessageId} on {Queue} was handled before; skipped")]
    private static partial void LogDuplicate(ILogger logger, string messageType, Guid messageId, string queue);
}
