namespace Caravan.Messaging.Internal;

/// <summary>
/// A latched wake-up for one waiter: <see cref="Set"/> before the wait makes the next wait return
/// at once, so a signal sent between "looked, found nothing" and "started waiting" is never lost.
/// Timeouts run on the injected <see cref="TimeProvider"/>.
/// </summary>
internal sealed class AsyncSignal
{
    private TaskCompletionSource _source = NewSource();

    public void Set() => Volatile.Read(ref _source).TrySetResult();

    /// <summary>Waits for a signal or the timeout; returns true when signalled. Resets the latch.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var source = Volatile.Read(ref _source);
        var signalled = source.Task.IsCompleted;
        if (!signalled && timeout > TimeSpan.Zero)
        {
            using var timeoutCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(timeout, timeProvider, timeoutCancellation.Token);
            var winner = await Task.WhenAny(source.Task, delay);
            signalled = winner == source.Task;
            await timeoutCancellation.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
        }

        if (signalled)
        {
            Interlocked.CompareExchange(ref _source, NewSource(), source);
        }

        return signalled;
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
