using System.Diagnostics;

namespace Caravan.Bench.Messaging;

/// <summary>
/// One clock for every process of the machine, in nanoseconds. On Linux <see cref="Stopwatch"/>
/// reads CLOCK_MONOTONIC, which all processes share, so a timestamp taken by the producer process
/// can be subtracted from one taken by the consumer process. Elsewhere the wall clock is used.
/// </summary>
internal static class BenchClock
{
    private static readonly bool Monotonic = OperatingSystem.IsLinux();

    public static string Description => Monotonic
        ? "Stopwatch.GetTimestamp() = CLOCK_MONOTONIC, shared by all processes"
        : "DateTime.UtcNow (wall clock)";

    public static long NowNs()
    {
        if (!Monotonic)
        {
            return DateTime.UtcNow.Ticks * 100;
        }

        var timestamp = Stopwatch.GetTimestamp();
        return Stopwatch.Frequency == 1_000_000_000
            ? timestamp
            : (long)((Int128)timestamp * 1_000_000_000 / Stopwatch.Frequency);
    }

    /// <summary>CPU time (user + system) this process has used so far, in milliseconds.</summary>
    public static double ProcessCpuMs()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalMilliseconds;
    }

    /// <summary>Time this process's JIT has spent compiling methods so far (all threads, including tiering's background compiles), in milliseconds.</summary>
    public static double JitMs() => System.Runtime.JitInfo.GetCompilationTime(currentThread: false).TotalMilliseconds;

    /// <summary>
    /// Paces a producer: returns when message <paramref name="index"/> is due, at
    /// <paramref name="rate"/> messages per second from <paramref name="startNs"/> (at once when the rate is 0).
    /// </summary>
    public static void WaitUntilDue(long startNs, int index, int rate)
    {
        if (rate <= 0)
        {
            return;
        }

        var due = startNs + (long)(index * (1e9 / rate));
        while (true)
        {
            var ahead = due - NowNs();
            if (ahead <= 0)
            {
                return;
            }

            if (ahead > 2_000_000)
            {
                Thread.Sleep(1);
            }
            else
            {
                Thread.Yield();
            }
        }
    }
}
