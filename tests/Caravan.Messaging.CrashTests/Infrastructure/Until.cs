using System.Diagnostics;

namespace Caravan.Messaging.CrashTests;

/// <summary>Waits on a condition with a deadline, polling briefly, instead of sleeping a fixed time.</summary>
public static class Until
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, TimeSpan timeout, Func<Task<string>> diagnostics)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting until {what}.\n{await diagnostics()}");
            }

            await Task.Delay(PollInterval);
        }
    }
}
