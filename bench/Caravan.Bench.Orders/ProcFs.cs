using System.Globalization;

namespace Caravan.Bench.Orders;

/// <summary>One process as /proc shows it; <see cref="StartTicks"/> tells a process from a later one that reuses its pid.</summary>
internal sealed record ProcessEntry(int Pid, int Parent, long StartTicks, long CpuTicks, string Label);

/// <summary>
/// What the benchmark reads from Linux's /proc: which processes belong to the app host's run (its own
/// tree, plus DCP, which Aspire starts in a session of its own and which starts the services), and
/// how much CPU each has used. Linux only, as is the benchmark.
/// </summary>
internal static class ProcFs
{
    /// <summary>USER_HZ: /proc reports CPU time in these ticks.</summary>
    public const double TicksPerSecond = 100;

    /// <summary>
    /// The process <paramref name="rootPid"/>, its descendants, and every process that says it monitors
    /// one of them (<c>dcp … --monitor PID</c>) with its descendants, until nothing new is found.
    /// </summary>
    public static List<ProcessEntry> RunOf(int rootPid)
    {
        var all = Snapshot();
        var monitors = all.Keys.ToDictionary(pid => pid, MonitoredPid);
        var found = new HashSet<int> { rootPid };
        bool grew;
        do
        {
            grew = false;
            foreach (var entry in all.Values)
            {
                if (!found.Contains(entry.Pid) && (found.Contains(entry.Parent) || (monitors[entry.Pid] is { } watched && found.Contains(watched))))
                {
                    grew |= found.Add(entry.Pid);
                }
            }
        }
        while (grew);

        return [.. all.Values.Where(entry => found.Contains(entry.Pid))];
    }

    /// <summary>Every process, by pid.</summary>
    public static Dictionary<int, ProcessEntry> Snapshot()
    {
        var entries = new Dictionary<int, ProcessEntry>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Read(pid) is { } entry)
            {
                entries[pid] = entry;
            }
        }

        return entries;
    }

    public static ProcessEntry? Read(int pid)
    {
        try
        {
            // "pid (comm) state ppid ... utime(14) stime(15) ... starttime(22)"; comm may hold spaces and parentheses.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
            return new ProcessEntry(pid, (int)Field(4), Field(22), Field(14) + Field(15), Label(CommandLine(pid)));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null; // It ended while we looked.
        }
    }

    /// <summary>True while the process still runs (the same one: same start time).</summary>
    public static bool IsAlive(ProcessEntry entry) => Read(entry.Pid) is { } now && now.StartTicks == entry.StartTicks;

    /// <summary>Pids of processes whose environment contains <paramref name="text"/> (e.g. a run's data directory).</summary>
    public static List<int> WithEnvironment(string text)
    {
        var pids = new List<int>();
        foreach (var pid in Snapshot().Keys.Where(pid => pid != Environment.ProcessId))
        {
            try
            {
                if (File.ReadAllText($"/proc/{pid}/environ").Contains(text, StringComparison.Ordinal))
                {
                    pids.Add(pid);
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Gone, or not ours to read.
            }
        }

        return pids;
    }

    /// <summary>Machine-wide busy CPU ticks (everything but idle and iowait) from /proc/stat.</summary>
    public static long MachineBusyTicks()
    {
        var line = File.ReadLines("/proc/stat").First(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        return fields.Take(8).Sum() - fields[3] - fields[4];
    }

    private static string[] CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static int? MonitoredPid(int pid)
    {
        var arguments = CommandLine(pid);
        var index = Array.IndexOf(arguments, "--monitor");
        return index >= 0 && index + 1 < arguments.Length && int.TryParse(arguments[index + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var watched)
            ? watched
            : null;
    }

    /// <summary>A short name for the CPU table: the program, with <c>dotnet run</c> launchers and DCP's helpers grouped.</summary>
    private static string Label(string[] arguments)
    {
        if (arguments.Length == 0)
        {
            return "?";
        }

        var program = Path.GetFileName(arguments[0]);
        if (program == "dotnet")
        {
            if (arguments.Length > 1 && arguments[1] == "run")
            {
                return "dotnet run (launchers)";
            }

            var dll = arguments.Skip(1).FirstOrDefault(argument => argument.EndsWith(".dll", StringComparison.Ordinal));
            return dll is null ? "dotnet (other)" : Path.GetFileNameWithoutExtension(dll);
        }

        if (program == "dcp")
        {
            return arguments.Length > 1 && arguments[1] == "monitor-process" ? "dcp monitor-process" : "dcp (orchestrator + proxies)";
        }

        return program;
    }
}
