using System.Diagnostics;
using Aspire.Hosting.ApplicationModel;
using System.Globalization;

namespace Caravan.AppHost.Tests.Infrastructure;

/// <summary>
/// Finds the operating-system process of a Caravan service that an app host started, and kills it.
/// </summary>
/// <remarks>
/// Aspire's snapshot of a project resource carries the pid of the process it launched
/// (<c>executable.pid</c>): a <c>dotnet run</c> wrapper whose child is the service itself
/// (<c>.../bin/Release/net10.0/Caravan.Payments</c>). Walking down from that pid through <c>/proc</c>, rather
/// than searching every process by name, keeps a test from touching another app host's processes (a
/// developer's run beside the tests). Linux only, as is this repository's CI.
/// </remarks>
public static class ServiceProcesses
{
    /// <summary>The snapshot property that holds the pid of the process Aspire launched.</summary>
    public const string LauncherPidProperty = "executable.pid";

    /// <summary><c>payments</c> → <c>Caravan.Payments</c>, the name of the service's executable.</summary>
    public static string ProgramName(string resourceName)
    {
        ArgumentException.ThrowIfNullOrEmpty(resourceName);
        return "Caravan." + char.ToUpperInvariant(resourceName[0]) + resourceName[1..];
    }

    public static int? LauncherPid(CustomResourceSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var value = snapshot.Properties.FirstOrDefault(property => property.Name == LauncherPidProperty)?.Value;
        return value switch
        {
            int pid when pid > 0 => pid,
            long pid when pid > 0 => (int)pid,
            string text when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0 => pid,
            _ => null,
        };
    }

    /// <summary>The pid of <paramref name="programName"/> among <paramref name="launcherPid"/> and its descendants, or null.</summary>
    public static int? FindProgram(int launcherPid, string programName)
    {
        var children = ChildrenByParent();
        var pending = new Queue<int>([launcherPid]);
        while (pending.TryDequeue(out var pid))
        {
            if (IsProgram(pid, programName))
            {
                return pid;
            }

            foreach (var child in children.GetValueOrDefault(pid, []))
            {
                pending.Enqueue(child);
            }
        }

        return null;
    }

    /// <summary>Sends SIGKILL (<c>kill -9</c>) to <paramref name="pid"/> and waits until it is gone.</summary>
    public static void Kill(int pid)
    {
        using var process = Process.GetProcessById(pid);
        process.Kill(entireProcessTree: false);
        if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            throw new TimeoutException($"Process {pid} did not die within 10 s of SIGKILL.");
        }
    }

    public static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}");

    private static bool IsProgram(int pid, string programName)
    {
        string[] arguments;
        try
        {
            arguments = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        return arguments.Length > 0
            && (Path.GetFileName(arguments[0]) == programName
                || arguments.Any(argument => Path.GetFileName(argument) == programName + ".dll"));
    }

    private static Dictionary<int, List<int>> ChildrenByParent()
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                // /proc/<pid>/stat is "pid (comm) state ppid ..."; comm may contain spaces and parentheses.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (!children.TryGetValue(parent, out var list))
                {
                    list = [];
                    children[parent] = list;
                }

                list.Add(pid);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException)
            {
                // The process ended while we looked.
            }
        }

        return children;
    }
}
