namespace Caravan.Testing;

/// <summary>Waits on a condition with a deadline instead of sleeping a fixed time.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static async Task HoldsAsync(Func<bool> condition, string because, TimeSpan? timeout = null) =>
        await HoldsAsync(() => Task.FromResult(condition()), because, timeout);

    public static async Task HoldsAsync(Func<Task<bool>> condition, string because, TimeSpan? timeout = null) =>
        await ReturnsAsync(condition, holds => holds, because, timeout);

    /// <summary>Reads a value until it satisfies <paramref name="condition"/>, and returns it; the timeout message shows the last value seen.</summary>
    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string because, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(condition);
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (true)
        {
            var value = await read();
            if (condition(value))
            {
                return value;
            }

            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException(value is bool ? $"Timed out waiting until {because}." : $"Timed out waiting until {because}; last seen: {value}.");
            }

            await Task.Delay(10, CancellationToken.None);
        }
    }
}
