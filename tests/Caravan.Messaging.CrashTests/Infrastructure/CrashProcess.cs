using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace Caravan.Messaging.CrashTests;

/// <summary>
/// One Caravan.Messaging.CrashHost process: started with <c>dotnet</c>, its stdout parsed as it comes
/// (<c>ready</c>, <c>committed N</c>, <c>counts …</c>, …), its stderr kept for failure messages, killed with SIGKILL
/// on demand. Its standard input stays open; closing it stops the process gracefully (<see cref="StopAsync"/>), and
/// if the test run dies, the closed pipe stops the process.
/// </summary>
public sealed class CrashProcess : IAsyncDisposable
{
    private const int StderrLinesKept = 60;

    private static readonly Lazy<string> HostAssembly = new(FindHostAssembly);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _markers = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastCommitted;
    private MessageCounts _counts = new(0, 0, 0);
    private int _stderrLines;
    private int? _exitCode;

    private CrashProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Id { get; private set; }

    /// <summary>Whether this test killed the process (as opposed to it exiting on its own).</summary>
    public bool Killed { get; private set; }

    public bool HasExited => _exited.Task.IsCompleted;

    public bool IsReady => HasSeen("ready") && !HasExited;

    /// <summary>The highest seq a producer reported as committed (0 before the first).</summary>
    public long LastCommitted => Interlocked.Read(ref _lastCommitted);

    /// <summary>The last messaging counts a consumer printed (zeros before the first).</summary>
    public MessageCounts Counts => Volatile.Read(ref _counts);

    public int ExitCode => _exitCode ?? throw new InvalidOperationException($"{Name} has not exited.");

    public int StderrLineCount => Volatile.Read(ref _stderrLines);

    public static CrashProcess Start(string name, string role, params string[] arguments)
    {
        var start = new ProcessStartInfo(DotnetPath())
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(HostAssembly.Value);
        start.ArgumentList.Add(role);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("--watch-stdin");
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var crashProcess = new CrashProcess(name, process);
        process.OutputDataReceived += (_, e) => crashProcess.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => crashProcess.OnError(e.Data);
        process.Exited += (_, _) =>
        {
            crashProcess._exitCode = process.ExitCode;
            crashProcess._exited.TrySetResult();
        };
        process.Start();
        crashProcess.Id = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return crashProcess;
    }

    public bool HasSeen(string marker) => _markers.TryGetValue(marker, out var seen) && seen.Task.IsCompleted;

    /// <summary>Waits until the process printed <paramref name="marker"/> on a line of its own; fails if it exits first.</summary>
    public Task WaitForAsync(string marker, TimeSpan timeout) =>
        WaitAsync(_markers.GetOrAdd(marker, static _ => NewSource()).Task, $"printed '{marker}'", timeout);

    /// <summary>Waits until a producer reported seq <paramref name="seq"/> or a later one as committed.</summary>
    public async Task WaitForCommittedAsync(long seq, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (LastCommitted < seq)
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"{Name} exited before committing seq {seq}.\n{Describe()}");
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"{Name} did not commit seq {seq} within {timeout}.\n{Describe()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(5));
        }
    }

    public Task WaitForExitAsync(TimeSpan timeout) => WaitAsync(_exited.Task, "exited", timeout, failOnExit: false);

    /// <summary>SIGKILL (Process.Kill on Unix), then waits for the process to be gone.</summary>
    public async Task KillAsync()
    {
        if (HasExited)
        {
            throw new InvalidOperationException($"{Name} had already exited when it was to be killed.\n{Describe()}");
        }

        Killed = true;
        _process.Kill();
        await WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Closes the process's standard input (it stops its host gracefully), then waits for it to exit.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (!HasExited)
        {
            try
            {
                _process.StandardInput.Close();
            }
            catch (IOException)
            {
                // Exiting already.
            }
        }

        await WaitForExitAsync(timeout);
    }

    public string Describe()
    {
        var state = HasExited
            ? Killed ? "killed" : $"exited with code {_exitCode}"
            : "running";
        var stderr = string.Join('\n', _stderr);
        return $"--- {Name} (pid {Id}, {state}, last committed {LastCommitted}); stderr{(_stderrLines > StderrLinesKept ? $" (last {StderrLinesKept} of {_stderrLines} lines)" : string.Empty)}:\n{(stderr.Length == 0 ? "(empty)" : stderr)}";
    }

    public async ValueTask DisposeAsync()
    {
        if (!HasExited)
        {
            try
            {
                Killed = true;
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited in the meantime.
            }

            await Task.WhenAny(_exited.Task, Task.Delay(TimeSpan.FromSeconds(10)));
        }

        _process.Dispose();
    }

    private async Task WaitAsync(Task task, string what, TimeSpan timeout, bool failOnExit = true)
    {
        var winner = await Task.WhenAny(task, failOnExit ? _exited.Task : task, Task.Delay(timeout));
        if (winner == task)
        {
            await task;
            return;
        }

        if (failOnExit && winner == _exited.Task)
        {
            // The line may have been read just before the exit was noticed.
            await Task.WhenAny(task, Task.Delay(TimeSpan.FromMilliseconds(500)));
            if (task.IsCompleted)
            {
                return;
            }

            throw new InvalidOperationException($"{Name} exited before it {what}.\n{Describe()}");
        }

        throw new TimeoutException($"{Name} had not {what} after {timeout}.\n{Describe()}");
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        const string Committed = "committed ";
        if (line.StartsWith(Committed, StringComparison.Ordinal))
        {
            var seq = long.Parse(line.AsSpan(Committed.Length), NumberStyles.Integer, CultureInfo.InvariantCulture);

            // The highest: a producer committing several transactions at once reports them in any order.
            for (var seen = LastCommitted; seq > seen; seen = LastCommitted)
            {
                if (Interlocked.CompareExchange(ref _lastCommitted, seq, seen) == seen)
                {
                    break;
                }
            }

            return;
        }

        if (MessageCounts.TryParse(line) is { } counts)
        {
            Volatile.Write(ref _counts, counts);
            return;
        }

        _markers.GetOrAdd(line, static _ => NewSource()).TrySetResult();
    }

    private void OnError(string? line)
    {
        if (line is null)
        {
            return;
        }

        _stderr.Enqueue(line);
        if (Interlocked.Increment(ref _stderrLines) > StderrLinesKept)
        {
            _stderr.TryDequeue(out _);
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static string DotnetPath()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }

        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }

    private static string FindHostAssembly()
    {
        var path = typeof(CrashProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == "CrashHostPath")?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new InvalidOperationException(
                $"The crash host assembly was not found at '{path}'; build tests/Caravan.Messaging.CrashHost (the test project's build does so).");
        }

        return path;
    }
}

/// <summary>A consumer's messaging counts: messages leased, handled (committed), and recognised by the inbox as duplicates.</summary>
public sealed record MessageCounts(long Delivered, long Handled, long Duplicates)
{
    /// <summary>Reads <c>counts delivered=D handled=H duplicates=U</c>; null for any other line.</summary>
    public static MessageCounts? TryParse(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 4 || parts[0] != "counts")
        {
            return null;
        }

        var values = new long[3];
        string[] names = ["delivered=", "handled=", "duplicates="];
        for (var i = 0; i < 3; i++)
        {
            if (!parts[i + 1].StartsWith(names[i], StringComparison.Ordinal)
                || !long.TryParse(parts[i + 1].AsSpan(names[i].Length), NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i]))
            {
                return null;
            }
        }

        return new MessageCounts(values[0], values[1], values[2]);
    }

    public static MessageCounts operator +(MessageCounts left, MessageCounts right) =>
        new(left.Delivered + right.Delivered, left.Handled + right.Handled, left.Duplicates + right.Duplicates);

    public static MessageCounts Add(MessageCounts left, MessageCounts right) => left + right;
}
