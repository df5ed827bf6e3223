namespace Caravan.AppHost.Tests.Infrastructure;

/// <summary>Waits for a condition with a deadline, polling it; never a fixed sleep.</summary>
public static class Eventually
{
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>Polls <paramref name="probe"/> until it returns a value, then returns it; throws
    /// <see cref="TimeoutException"/> naming <paramref name="what"/> and the last failure when <paramref name="timeout"/> passes.
    /// A probe that throws an HTTP, I/O or invalid-operation error counts as "not yet".</summary>
    public static async Task<T> ValueAsync<T>(string what, TimeSpan timeout, Func<CancellationToken, Task<T?>> probe, CancellationToken cancellationToken = default)
        where T : class
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        Exception? lastFailure = null;
        try
        {
            while (true)
            {
                try
                {
                    if (await probe(deadline.Token) is { } value)
                    {
                        return value;
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or IOException or InvalidOperationException
                                                  || (exception is OperationCanceledException && !deadline.IsCancellationRequested))
                {
                    lastFailure = exception;
                }

                await Task.Delay(s_pollInterval, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}.", lastFailure);
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; see <see cref="ValueAsync{T}"/>.</summary>
    public static Task HoldsAsync(string what, TimeSpan timeout, Func<CancellationToken, Task<bool>> condition, CancellationToken cancellationToken = default) =>
        ValueAsync<object>(what, timeout, async token => await condition(token) ? true : null, cancellationToken);
}
