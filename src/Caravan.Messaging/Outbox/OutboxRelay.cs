using Caravan.Messaging.Internal;
using Microsoft.Extensions.Logging;

namespace Caravan.Messaging;

/// <summary>
/// Moves committed outbox rows to the transport. A row is deleted only after the transport has
/// durably accepted it, and a failed cycle is retried with capped exponential backoff for as
/// long as the process lives, so nothing committed is lost and nothing rolled back is ever sent
/// (rolled-back rows never existed). A crash between the transport's confirm and the delete sends
/// those rows again: delivery is at least once, and consumers' inboxes absorb the duplicates.
/// <para>
/// The relay cannot stall silently: every step of a cycle (claim, send, remove, reading the next due time)
/// is given up after <see cref="OutboxOptions.OperationTimeout"/> even if the store or transport does not
/// notice its token, any failure starts the cycle over (claiming again, which renews this relay's claim on the
/// rows it failed to send), and the loop survives any exception. <see cref="LastCycleAt"/> and the
/// <c>caravan.messaging.relay.idle_age</c> gauge tell how long ago a cycle last completed.
/// </para>
/// </summary>
public sealed partial class OutboxRelay(
    IOutboxStore outbox,
    IMessageTransport transport,
    OutboxSignal signal,
    MessagingMetrics metrics,
    TimeProvider timeProvider,
    IRandomSource random,
    Microsoft.Extensions.Options.IOptions<MessagingOptions> options,
    ILogger<OutboxRelay> logger)
{
    private readonly OutboxOptions _options = options.Value.Outbox;
    private long _lastCycleTicks = timeProvider.GetUtcNow().UtcTicks;

    /// <summary>When this relay last completed a cycle (claimed, and sent and removed whatever it claimed); its start until the first one.</summary>
    public DateTimeOffset LastCycleAt => new(Interlocked.Read(ref _lastCycleTicks), TimeSpan.Zero);

    /// <summary>Relays until <paramref name="stoppingToken"/> is cancelled; never returns before that, whatever fails.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        metrics.ObserveRelay(this, timeProvider);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var sent = await RelayOnceAsync(stoppingToken);
                failures = 0;
                if (sent == _options.BatchSize)
                {
                    continue;
                }

                var idle = await StepAsync("read the next due time", GetIdleWaitAsync, stoppingToken);
                await signal.WaitAsync(idle, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                if (!await BackOffAsync(ex, failures, stoppingToken))
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Claims one batch, hands it to the transport and removes it, starting over with backoff after any failure until
    /// a cycle succeeds; returns its size.
    /// </summary>
    public async Task<int> RelayBatchAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await RelayOnceAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (!await BackOffAsync(ex, attempt, cancellationToken))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }
        }
    }

    /// <summary>One cycle: claim, send, remove; each step bounded in time. Throws <see cref="RelayStepException"/> on failure.</summary>
    private async Task<int> RelayOnceAsync(CancellationToken cancellationToken)
    {
        var batch = await StepAsync(
            "claim",
            ct =>
            {
                var now = timeProvider.GetUtcNow();
                return outbox.ClaimAsync(_options.BatchSize, now, transport.SupportsDelayedDelivery ? null : now, _options.ClaimDuration, ct);
            },
            cancellationToken);
        if (batch.Count > 0)
        {
            var messages = batch.Select(static entry => entry.Message).ToList();
            await StepAsync("send", async ct => { await transport.SendAsync(messages, ct); return true; }, cancellationToken);
            // Not cancellable (still bounded by OperationTimeout): rows the transport has accepted are removed even when
            // stopping. A removal cut short would leave them to the host's last pass, which would send them all again.
            await StepAsync("remove", async ct => { await outbox.RemoveAsync(batch, ct); return true; }, CancellationToken.None);
            metrics.Published(batch.Count);
        }

        Interlocked.Exchange(ref _lastCycleTicks, timeProvider.GetUtcNow().UtcTicks);
        return batch.Count;
    }

    private async Task<TimeSpan> GetIdleWaitAsync(CancellationToken cancellationToken)
    {
        if (transport.SupportsDelayedDelivery)
        {
            return _options.PollInterval;
        }

        var nextDue = await outbox.GetNextDueAsync(cancellationToken);
        var untilDue = nextDue is { } due ? due - timeProvider.GetUtcNow() : _options.PollInterval;
        return untilDue < _options.PollInterval ? (untilDue < TimeSpan.Zero ? TimeSpan.Zero : untilDue) : _options.PollInterval;
    }

    /// <summary>
    /// Runs one step with its token cancelled after <see cref="OutboxOptions.OperationTimeout"/>, and stops waiting for it
    /// then even if it ignores the token (<see cref="Bounded"/>: it is left to finish in the background, its late outcome
    /// observed and dropped).
    /// </summary>
    private async Task<T> StepAsync<T>(string step, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await Bounded.RunAsync($"The outbox relay's {step}", action, _options.OperationTimeout, timeProvider, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new RelayStepException(step, ex);
        }
    }

    /// <summary>Counts and logs a failed cycle and waits out its backoff; false when cancelled meanwhile.</summary>
    private async Task<bool> BackOffAsync(Exception exception, int attempt, CancellationToken cancellationToken)
    {
        metrics.RelayFailed();
        var delay = Backoff(attempt);
        var (step, cause) = exception is RelayStepException failed ? (failed.Step, failed.InnerException!) : ("relay", exception);
        LogRelayFailed(logger, cause, step, attempt, delay);
        try
        {
            await Task.Delay(delay, timeProvider, cancellationToken);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private TimeSpan Backoff(int attempt)
    {
        var milliseconds = 50 * Math.Pow(2, Math.Min(attempt - 1, 20)) * (0.5 + random.NextDouble());
        return TimeSpan.FromMilliseconds(Math.Min(milliseconds, _options.MaxRetryDelay.TotalMilliseconds));
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Outbox relay could not {Operation} (attempt {Attempt}); retrying in {Delay}")]
    private static partial void LogRelayFailed(ILogger logger, Exception exception, string operation, int attempt, TimeSpan delay);

    /// <summary>A step of a relay cycle failed (or timed out); the cycle starts over.</summary>
    private sealed class RelayStepException(string step, Exception inner) : Exception($"The outbox relay's {step} failed.", inner)
    {
        public string Step { get; } = step;
    }
}
