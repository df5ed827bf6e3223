namespace Caravan.Messaging.Internal;

/// <summary>
/// Runs one operation (a broker call, a step of the outbox relay) with a deadline that does not depend on the callee
/// honouring its token: the token it gets is cancelled at the deadline, and the wait gives up at the deadline even if
/// the operation does not notice (a <see cref="TimeoutException"/> saying "<c>what</c> did not complete within ..."). An operation given up on keeps running in the background; its late result is handed to
/// <c>abandoned</c> (to close a connection or channel that opened too late) and its late failure is observed.
/// </summary>
internal static class Bounded
{
    public static async Task<T> RunAsync<T>(
        string what,
        Func<CancellationToken, Task<T>> operation,
        TimeSpan timeout,
        TimeProvider timeProvider,
        CancellationToken cancellationToken,
        Action<T>? abandoned = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var timer = timeProvider.CreateTimer(static state => TryCancel((CancellationTokenSource)state!), deadline, timeout, Timeout.InfiniteTimeSpan);
        Task<T> task;
        try
        {
            task = operation(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(what, timeout);
        }

        try
        {
            return await task.WaitAsync(timeout, timeProvider, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (ex is TimeoutException || (ex is OperationCanceledException && deadline.IsCancellationRequested)))
        {
            Abandon(task, abandoned);
            throw TimedOut(what, timeout, ex);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Abandon(task, abandoned);
            throw;
        }
    }

    public static Task RunAsync(string what, Func<CancellationToken, Task> operation, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken) =>
        RunAsync(what, async token => { await operation(token); return true; }, timeout, timeProvider, cancellationToken);

    private static void Abandon<T>(Task<T> task, Action<T>? abandoned) =>
        _ = task.ContinueWith(
            completed =>
            {
                if (completed.IsCompletedSuccessfully)
                {
                    abandoned?.Invoke(completed.Result);
                }
                else
                {
                    _ = completed.Exception;
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    private static void TryCancel(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The operation finished first.
        }
    }

    private static TimeoutException TimedOut(string what, TimeSpan timeout, Exception? inner = null) =>
        new($"{what} did not complete within {timeout}.", inner);
}
