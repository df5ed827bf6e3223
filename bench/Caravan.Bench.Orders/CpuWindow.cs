using System.Diagnostics;

namespace Caravan.Bench.Orders;

/// <summary>CPU use of every process of the run (and of this benchmark and the whole machine) at one moment.</summary>
internal sealed record CpuSample(IReadOnlyList<ProcessEntry> Processes, long MachineBusyTicks, long Timestamp)
{
    public const string BenchLabel = "benchmark client (this process)";

    public static CpuSample Take(int appHostPid)
    {
        var processes = ProcFs.RunOf(appHostPid);
        if (ProcFs.Read(Environment.ProcessId) is { } self)
        {
            processes.Add(self with { Label = BenchLabel });
        }

        return new CpuSample(processes, ProcFs.MachineBusyTicks(), Stopwatch.GetTimestamp());
    }
}

/// <summary>Cores used per program between two samples, the rest of the machine, and the processes that ended in between.</summary>
internal sealed record CpuUsage(double Seconds, IReadOnlyList<(string Label, int Processes, double Cores)> ByProgram, double OtherCores, IReadOnlyList<string> Ended)
{
    public double OurCores => ByProgram.Sum(row => row.Cores);

    public static CpuUsage Between(CpuSample before, CpuSample after)
    {
        var seconds = Stopwatch.GetElapsedTime(before.Timestamp, after.Timestamp).TotalSeconds;
        var earlier = before.Processes.ToDictionary(entry => (entry.Pid, entry.StartTicks));

        // A process that started inside the window counts from zero; one that ended inside it is lost (and listed).
        var byProgram = after.Processes
            .GroupBy(entry => entry.Label)
            .Select(group => (
                Label: group.Key,
                Processes: group.Count(),
                Cores: group.Sum(entry => entry.CpuTicks - (earlier.TryGetValue((entry.Pid, entry.StartTicks), out var start) ? start.CpuTicks : 0)) / ProcFs.TicksPerSecond / seconds))
            .OrderByDescending(row => row.Cores)
            .ToList();
        var alive = after.Processes.Select(entry => (entry.Pid, entry.StartTicks)).ToHashSet();
        var ended = before.Processes.Where(entry => !alive.Contains((entry.Pid, entry.StartTicks))).Select(entry => $"{entry.Label}({entry.Pid})").ToList();
        var machine = (after.MachineBusyTicks - before.MachineBusyTicks) / ProcFs.TicksPerSecond / seconds;
        return new CpuUsage(seconds, byProgram, Math.Max(0, machine - byProgram.Sum(row => row.Cores)), ended);
    }
}
