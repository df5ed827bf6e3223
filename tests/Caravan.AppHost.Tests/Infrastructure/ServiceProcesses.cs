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

    /// <summary>
    /// A service process as it sees itself, for a failure message: the addresses it was told to listen on
    /// (its <c>ASPNETCORE_URLS</c> and <c>Kestrel__Endpoints__*__Url</c>), the loopback ports it listens on,
    /// every TCP socket on the machine that uses one of the told ports (a listener of another process, or an
    /// outgoing connection that took the port as its local port, would keep the service from binding it),
    /// and what <c>/health/ready</c> answers on each told address when asked directly.
    /// </summary>
    public static async Task<string> DescribeAsync(int pid, CancellationToken cancellationToken = default)
    {
        var report = new System.Text.StringBuilder();
        var told = ToldAddresses(pid);
        report.AppendLine(CultureInfo.InvariantCulture, $"process {pid}: told to listen on [{string.Join(", ", told)}], listens on ports [{string.Join(", ", ListeningPorts(pid))}]");
        foreach (var address in told)
        {
            if (!Uri.TryCreate(address.Replace("*", "localhost", StringComparison.Ordinal).Replace("+", "localhost", StringComparison.Ordinal), UriKind.Absolute, out var uri))
            {
                continue;
            }

            report.AppendLine(CultureInfo.InvariantCulture, $"  sockets on port {uri.Port}: [{string.Join("; ", SocketsOnPort(uri.Port))}]");
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            try
            {
                using var response = await client.GetAsync(new Uri(uri, "/health/ready"), cancellationToken);
                report.AppendLine(CultureInfo.InvariantCulture, $"  GET {uri}health/ready directly: {(int)response.StatusCode}");
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                report.AppendLine(CultureInfo.InvariantCulture, $"  GET {uri}health/ready directly: {exception.GetType().Name}: {exception.Message}");
            }
        }

        return report.ToString().TrimEnd();
    }

    private static List<string> ToldAddresses(int pid)
    {
        try
        {
            return [.. File.ReadAllText($"/proc/{pid}/environ").Split('\0')
                .Where(variable => variable.StartsWith("ASPNETCORE_URLS=", StringComparison.Ordinal)
                                   || (variable.StartsWith("Kestrel__Endpoints__", StringComparison.Ordinal) && variable.Contains("__Url=", StringComparison.Ordinal)))
                .SelectMany(variable => variable[(variable.IndexOf('=', StringComparison.Ordinal) + 1)..].Split(';', StringSplitOptions.RemoveEmptyEntries))];
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>The TCP ports <paramref name="pid"/> listens on (from its sockets' inodes in <c>/proc</c>).</summary>
    public static List<int> ListeningPorts(int pid)
    {
        var inodes = SocketInodes(pid);
        return [.. TcpSockets().Where(socket => socket.State == "0A" && inodes.Contains(socket.Inode)).Select(socket => socket.LocalPort).Distinct().Order()];
    }

    private static IEnumerable<string> SocketsOnPort(int port) =>
        TcpSockets().Where(socket => socket.LocalPort == port || socket.RemotePort == port)
            .Select(socket => $"{socket.LocalPort}->{socket.RemotePort} state {socket.State} inode {socket.Inode}");

    private static HashSet<string> SocketInodes(int pid)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    inodes.Add(target["socket:[".Length..^1]);
                }
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The process ended while we looked.
        }

        return inodes;
    }

    /// <summary>Every IPv4 and IPv6 TCP socket of the machine, from <c>/proc/net/tcp{,6}</c> (ports in hex, state <c>0A</c> = listening).</summary>
    private static List<(int LocalPort, int RemotePort, string State, string Inode)> TcpSockets()
    {
        var sockets = new List<(int, int, string, string)>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(table);
            }
            catch (IOException)
            {
                continue;
            }

            foreach (var line in lines.Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 9)
                {
                    sockets.Add((HexPort(fields[1]), HexPort(fields[2]), fields[3], fields[9]));
                }
            }
        }

        return sockets;
    }

    private static int HexPort(string address) => int.Parse(address[(address.LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);

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
