using Microsoft.Extensions.Logging;

namespace Caravan.Messaging;

/// <summary>
/// Moves committed outbox rows to the transport. A row is deleted only after the transport has
/// durably accepted it, and a failed hand-over is retried with capped exponential backoff for as
/// long as the process lives, so nothing committed is lost and nothing rolled back is ever sent
/// (rolled-back rows never existed). A crash between the transport's confirm and the delete sends
/// those rows again: delivery is at least once, and consumers' inboxes absorb the duplicates.
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

    /// <summary>Relays until <paramref name="stoppingToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var sent = await RelayBatchAsync(stoppingToken);
                if (sent == _options.BatchSize)
                {
                    continue;
                }

                await signal.WaitAsync(await GetIdleWaitAsync(stoppingToken), timeProvider, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Only the idle wait can get here (a batch retries by itself); keep relaying.
                metrics.RelayFailed();
                LogRelayFailed(logger, ex, "wait", 1, _options.PollInterval);
                try
                {
                    await Task.Delay(_options.PollInterval, timeProvider, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Claims one batch, hands it to the transport (retrying until it succeeds) and removes it; returns its size.</summary>
    public async Task<int> RelayBatchAsync(CancellationToken cancellationToken)
    {
        var batch = await WithRetryAsync(
            "claim",
            ct =>
            {
                var now = timeProvider.GetUtcNow();
                return outbox.ClaimAsync(_options.BatchSize, now, transport.SupportsDelayedDelivery ? null : now, _options.ClaimDuration, ct);
            },
            cancellationToken);
        if (batch.Count == 0)
        {
            return 0;
        }

        var messages = batch.Select(static entry => entry.Message).ToList();
        await WithRetryAsync("send", async ct => { await transport.SendAsync(messages, ct); return true; }, cancellationToken);
        await WithRetryAsync("remove", async ct => { await outbox.RemoveAsync(batch, ct); return true; }, cancellationToken);
        metrics.Published(batch.Count);
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

    private async Task<T> WithRetryAsync<T>(string operation, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await action(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                metrics.RelayFailed();
                var delay = Backoff(attempt);
                LogRelayFailed(logger, ex, operation, attempt, delay);
                await Task.Delay(delay, timeProvider, cancellationToken);
            }
        }
    }

    private TimeSpan Backoff(int attempt)
    {
        var milliseconds = 50 * Math.Pow(2, Math.Min(attempt - 1, 20)) * (0.5 + random.NextDouble());
        return TimeSpan.FromMilliseconds(Math.Min(milliseconds, _options.MaxRetryDelay.TotalMilliseconds));
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Outbox relay could not {Operation} (attempt {Attempt}); retrying in {Delay}")]
    private static partial void LogRelayFailed(ILogger logger, Exception exception, string operation, int attempt, TimeSpan delay);
}
