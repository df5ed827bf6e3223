using System.Diagnostics;
using System.Globalization;

namespace Caravan.Bench.Messaging;

/// <summary>
/// Machine-wide CPU use from /proc/stat, to tell how much else ran on the machine during a
/// measurement (the benchmark's numbers are only as good as the machine was quiet).
/// </summary>
internal static class MachineCpu
{
    private const double JiffiesPerSecond = 100; // USER_HZ on Linux

    public readonly record struct Sample(long BusyJiffies, long Timestamp);

    public static Sample? Read()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
            if (line is null)
            {
                return null;
            }

            // user nice system idle iowait irq softirq steal ...: busy is everything but idle and iowait.
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var busy = fields.Take(8).Sum() - fields[3] - fields[4];
            return new Sample(busy, Stopwatch.GetTimestamp());
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Cores the rest of the machine kept busy between the samples, given the CPU our processes used.</summary>
    public static double? OtherCores(Sample? before, Sample? after, double ourCpuMs)
    {
        if (before is not { } start || after is not { } end)
        {
            return null;
        }

        var seconds = Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp).TotalSeconds;
        if (seconds <= 0)
        {
            return null;
        }

        var busySeconds = (end.BusyJiffies - start.BusyJiffies) / JiffiesPerSecond;
        return Math.Max(0, (busySeconds - (ourCpuMs / 1000)) / seconds);
    }
}
