using System.Collections.Concurrent;
using System.Threading.Channels;
using Caravan.Messaging.Internal;
using Microsoft.Extensions.Logging;

namespace Caravan.Messaging;

/// <summary>
/// Consumes one queue: a fetch loop leases up to Prefetch messages, Concurrency workers handle
/// them, one acknowledger completes handled messages in batches, and a renewer keeps the leases of
/// everything held alive. Stopping stops fetching, lets running handlers finish (they are cancelled
/// only when the host's shutdown timeout runs out) and releases prefetched messages at once, so
/// nothing waits for a lease to expire after a graceful stop. When the service's database cannot be
/// reached, the messages that met it are given back without counting an attempt and fetching pauses,
/// for longer each time in a row (<see cref="RetryPolicy.UnavailablePause"/>), until a message is handled again.
/// </summary>
internal sealed partial class ConsumerEndpoint : IDisposable
{
    private const int MaxAckBatch = 256;

    private readonly string _queue;
    private readonly ConsumerOptions _options;
    private readonly IMessageTransport _transport;
    private readonly MessageProcessor _processor;
    private readonly MessagingMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly UnavailablePause _unavailable;
    private readonly ILogger _logger;
    private readonly Channel<TransportMessage> _buffer = Channel.CreateUnbounded<TransportMessage>();
    // Read by the acknowledger and, when the transport completes along with a lease, by the fetch loop.
    private readonly Channel<TransportMessage> _acks = Channel.CreateUnbounded<TransportMessage>();
    private readonly ConcurrentDictionary<TransportMessage, byte> _held = new(ReferenceEqualityComparer.Instance);
    private readonly AsyncSignal _slotFreed = new();
    private int _unhandled;
    private readonly CancellationTokenSource _stopFetching = new();
    private readonly CancellationTokenSource _abortHandlers = new();
    private readonly CancellationTokenSource _stopRenewing = new();
    private volatile bool _draining;
    private Task _fetching = Task.CompletedTask;
    private Task _working = Task.CompletedTask;
    private Task _acknowledging = Task.CompletedTask;
    private Task _renewing = Task.CompletedTask;

    public ConsumerEndpoint(
        string queue,
        ConsumerOptions options,
        RetryPolicy retry,
        IMessageTransport transport,
        MessageProcessor processor,
        MessagingMetrics metrics,
        TimeProvider timeProvider,
        IRandomSource random,
        ILogger logger)
    {
        options.Validate(queue);
        _queue = queue;
        _options = options;
        _unavailable = new UnavailablePause(retry, timeProvider, random);
        _transport = transport;
        _processor = processor;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public string Queue => _queue;

    public void Start()
    {
        _fetching = Task.Run(() => FetchAsync(_stopFetching.Token));
        _working = Task.WhenAll(Enumerable.Range(0, _options.Concurrency).Select(_ => Task.Run(WorkAsync)));
        _acknowledging = Task.Run(AcknowledgeAsync);
        _renewing = Task.Run(() => RenewAsync(_stopRenewing.Token));
    }

    public async Task StopAsync(CancellationToken hardStop)
    {
        await _stopFetching.CancelAsync();
        await _fetching;

        _draining = true;
        _buffer.Writer.TryComplete();
        var unstarted = new List<TransportMessage>();
        while (_buffer.Reader.TryRead(out var message))
        {
            unstarted.Add(message);
        }

        await ReleaseAsync(unstarted);

        await using (hardStop.Register(() => _abortHandlers.Cancel()))
        {
            await _working;
        }

        _acks.Writer.TryComplete();
        await _acknowledging;
        await _stopRenewing.CancelAsync();
        await _renewing;
        if (!_held.IsEmpty)
        {
            await ReleaseAsync(_held.Keys.ToList());
        }
    }

    public void Dispose()
    {
        _stopFetching.Dispose();
        _abortHandlers.Dispose();
        _stopRenewing.Dispose();
    }

    private async Task FetchAsync(CancellationToken stopping)
    {
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var paused = _unavailable.Remaining;
                if (paused > TimeSpan.Zero)
                {
                    await Task.Delay(paused, _timeProvider, stopping);
                    continue;
                }

                var free = _options.Prefetch - Volatile.Read(ref _unhandled);
                if (free <= 0)
                {
                    await _slotFreed.WaitAsync(_options.IdlePollInterval, _timeProvider, stopping);
                    continue;
                }

                // Not cancellable: a lease taken must reach the buffer, or it would sit until it expires.
                var messages = await ReceiveAsync(free);
                failures = 0;
                if (messages.Count == 0)
                {
                    await _transport.WaitForMessagesAsync(_queue, _options.IdlePollInterval, stopping);
                    continue;
                }

                _metrics.Delivered(_queue, messages.Count);
                Interlocked.Add(ref _unhandled, messages.Count);
                foreach (var message in messages)
                {
                    _held[message] = 0;
                    _buffer.Writer.TryWrite(message);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(5000, 50 * Math.Pow(2, Math.Min(failures, 10))));
                LogFetchFailed(_logger, ex, _queue, delay);
                try
                {
                    await Task.Delay(delay, _timeProvider, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Leases up to <paramref name="free"/> messages. When the transport can, handled messages waiting for their
    /// acknowledgement are completed in the same broker operation (one transaction instead of two); if it fails,
    /// neither happened and they go back to the acknowledger.
    /// </summary>
    private async Task<IReadOnlyList<TransportMessage>> ReceiveAsync(int free)
    {
        if (!_transport.CompletesWithReceive || !_acks.Reader.TryRead(out var first))
        {
            return await _transport.ReceiveAsync(_queue, free, _options.LeaseDuration, CancellationToken.None);
        }

        var completed = new List<TransportMessage> { first };
        while (completed.Count < MaxAckBatch && _acks.Reader.TryRead(out var next))
        {
            completed.Add(next);
        }

        IReadOnlyList<TransportMessage> messages;
        try
        {
            messages = await _transport.CompleteAndReceiveAsync(completed, _queue, free, _options.LeaseDuration, CancellationToken.None);
        }
        catch
        {
            foreach (var message in completed)
            {
                _acks.Writer.TryWrite(message);
            }

            throw;
        }

        foreach (var message in completed)
        {
            _held.TryRemove(message, out _);
        }

        return messages;
    }

    private async Task WorkAsync()
    {
        var batch = new List<TransportMessage>(_options.MaxBatchSize);
        await foreach (var first in _buffer.Reader.ReadAllAsync())
        {
            if (_draining)
            {
                await ReleaseAsync([first]);
                continue;
            }

            batch.Clear();
            batch.Add(first);
            while (batch.Count < _options.MaxBatchSize && _buffer.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            ProcessingDecision[] decisions;
            try
            {
                decisions = await _processor.ProcessBatchAsync(batch, _options, _stopFetching.Token, _abortHandlers.Token);
            }
            catch (Exception ex)
            {
                // Not expected (the processor turns handler failures into decisions), but a worker must
                // survive it: the messages are given back (or, failing that, come back when their leases expire).
                LogProcessingCrashed(_logger, ex, batch[0].Envelope.MessageId, _queue);
                await ReleaseAsync([.. batch]);
                continue;
            }

            if (Array.Exists(decisions, static decision => decision.Outcome == ProcessingOutcome.Unavailable))
            {
                if (_unavailable.TryStart(out var inARow, out var pause))
                {
                    _metrics.ConsumerPaused(_queue);
                    LogPaused(_logger, _queue, inARow, pause);
                }
            }
            else if (Array.Exists(decisions, static decision => decision.Outcome == ProcessingOutcome.Complete))
            {
                _unavailable.Reset();
            }

            for (var i = 0; i < batch.Count; i++)
            {
                await ApplyAsync(batch[i], decisions[i]);
            }
        }
    }

    private async Task ApplyAsync(TransportMessage message, ProcessingDecision decision)
    {
        try
        {
            switch (decision.Outcome)
            {
                case ProcessingOutcome.Complete:
                    FreeSlot();
                    _acks.Writer.TryWrite(message);
                    return;
                case ProcessingOutcome.RetryLater:
                    await _transport.RetryLaterAsync(message, decision.Delay);
                    break;
                case ProcessingOutcome.DeadLetter:
                    await _transport.DeadLetterAsync(message, decision.Failure!);
                    _metrics.DeadLettered(_queue, message.Envelope.MessageType, decision.Failure!.Reason);
                    break;
                case ProcessingOutcome.Release or ProcessingOutcome.Unavailable:
                    await _transport.ReleaseAsync([message]);
                    break;
            }
        }
        catch (Exception ex)
        {
            // The lease will expire and the message will be delivered again; nothing is lost.
            LogSettleFailed(_logger, ex, decision.Outcome, message.Envelope.MessageId, _queue);
        }

        Forget(message);
    }

    private async Task AcknowledgeAsync()
    {
        var batch = new List<TransportMessage>(MaxAckBatch);
        while (await _acks.Reader.WaitToReadAsync())
        {
            // Completions wait for company where the transport asks for it (IMessageTransport.CompletionWindow). A handled
            // message no longer takes one of the endpoint's prefetch slots while it waits.
            var window = _transport.CompletionWindow;
            if (!_draining && window > TimeSpan.Zero)
            {
                await Task.Delay(window, _timeProvider);
            }

            while (batch.Count < MaxAckBatch && _acks.Reader.TryRead(out var message))
            {
                batch.Add(message);
            }

            if (batch.Count == 0)
            {
                // The fetch loop took them along with its lease.
                continue;
            }

            for (var attempt = 1; attempt <= 5; attempt++)
            {
                try
                {
                    await _transport.CompleteAsync(batch);
                    break;
                }
                catch (Exception ex)
                {
                    // Handled messages whose completion is lost come back and are recognised by the inbox.
                    LogSettleFailed(_logger, ex, ProcessingOutcome.Complete, batch[0].Envelope.MessageId, _queue);
                    if (attempt < 5)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(20 * attempt), _timeProvider);
                    }
                }
            }

            foreach (var message in batch)
            {
                _held.TryRemove(message, out _);
            }

            batch.Clear();
        }
    }

    private async Task RenewAsync(CancellationToken stopping)
    {
        var interval = _options.LeaseDuration / 3;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, _timeProvider, stopping);
                var held = _held.Keys.ToList();
                if (held.Count > 0)
                {
                    await _transport.RenewLeasesAsync(held, _options.LeaseDuration, stopping);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogRenewFailed(_logger, ex, _queue);
            }
        }
    }

    private async Task ReleaseAsync(List<TransportMessage> messages)
    {
        if (messages.Count == 0)
        {
            return;
        }

        try
        {
            await _transport.ReleaseAsync(messages);
        }
        catch (Exception ex)
        {
            LogSettleFailed(_logger, ex, ProcessingOutcome.Release, messages[0].Envelope.MessageId, _queue);
        }

        foreach (var message in messages)
        {
            Forget(message);
        }
    }

    /// <summary>Drops a message that is settled (or given up) and frees its prefetch slot.</summary>
    private void Forget(TransportMessage message)
    {
        _held.TryRemove(message, out _);
        FreeSlot();
    }

    private void FreeSlot()
    {
        Interlocked.Decrement(ref _unhandled);
        _slotFreed.Set();
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Receiving from {Queue} failed; trying again in {Delay}")]
    private static partial void LogFetchFailed(ILogger logger, Exception exception, string queue, TimeSpan delay);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Warning, Message = "Could not {Outcome} message {MessageId} on {Queue}; its lease will expire and it will be redelivered")]
    private static partial void LogSettleFailed(ILogger logger, Exception exception, ProcessingOutcome outcome, Guid messageId, string queue);

    [LoggerMessage(EventId = 1404, Level = LogLevel.Error, Message = "Processing a batch starting with {MessageId} on {Queue} failed unexpectedly; its messages are given back")]
    private static partial void LogProcessingCrashed(ILogger logger, Exception exception, Guid messageId, string queue);

    [LoggerMessage(EventId = 1405, Level = LogLevel.Warning, Message = "The service's database could not be reached while handling {Queue} ({InARow} time(s) in a row): its messages were given back uncounted; fetching pauses for {Pause}")]
    private static partial void LogPaused(ILogger logger, string queue, int inARow, TimeSpan pause);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Warning, Message = "Renewing leases on {Queue} failed")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, string queue);
}
