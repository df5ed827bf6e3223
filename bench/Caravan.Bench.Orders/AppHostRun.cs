using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Caravan.Bench.Orders;

/// <summary>
/// The system started the way the README starts it — <c>dotnet run -c Release --project src/Caravan.AppHost</c>
/// — as a child process in a session of its own (<c>setsid</c>), so that stopping it is what Ctrl+C in a
/// terminal does: SIGINT to its process group. Aspire's DCP runs in sessions of its own and starts the
/// services; it is found through its <c>--monitor</c> argument (see <see cref="ProcFs.RunOf"/>), and
/// anything of the run still alive after the stop is killed and reported.
/// </summary>
internal sealed class AppHostRun
{
    /// <summary>Every public API the gateway routes, each of which must answer 200 before the run starts.</summary>
    public static readonly string[] ReadinessPaths =
    [
        "/health/ready", "/api/v1/users", "/api/v1/orders", "/api/v1/products",
        "/api/v1/payments/summary", "/api/v1/shipments", "/api/v1/notifications",
    ];

    private readonly Process _process;
    private readonly StreamWriter _log;

    private AppHostRun(Process process, StreamWriter log, string dataDirectory, IReadOnlyList<string> command)
    {
        _process = process;
        _log = log;
        DataDirectory = dataDirectory;
        Command = command;
    }

    public string DataDirectory { get; }

    /// <summary>The command as run (for the report).</summary>
    public IReadOnlyList<string> Command { get; }

    public int Pid => _process.Id;

    /// <summary>
    /// Starts the app host. Its service ports are left to the OS (<c>Caravan:DynamicPorts=true</c>) and its
    /// dashboard gets free ports instead of its launch profile's fixed 18888/18889, so that the benchmark
    /// can run beside a developer's <c>dotnet run</c> (as the app host tests do); everything else is the
    /// launch profile's settings. <paramref name="settings"/> are extra app host settings, <c>key=value</c>
    /// (passed as <c>--key=value</c>); <paramref name="environment"/> extra environment variables, which
    /// every process the app host starts inherits.
    /// </summary>
    public static AppHostRun Start(
        string repositoryRoot, string dataDirectory, int gatewayPort, IEnumerable<string> settings, IEnumerable<string> environment, string logPath)
    {
        string[] command =
        [
            "dotnet", "run", "-c", "Release", "--project", "src/Caravan.AppHost", "--no-launch-profile", "--",
            $"--Caravan:DataDirectory={dataDirectory}",
            $"--CARAVAN_HTTP_PORT={gatewayPort.ToString(CultureInfo.InvariantCulture)}",
            "--Caravan:DynamicPorts=true",
            // The benchmark drives the gateway from one address far above its default 20 requests/s per
            // client; these come first, so a setting of the same key in settings wins.
            "--Caravan:Gateway:RateLimiting:Anonymous:TokensPerSecond=100000",
            "--Caravan:Gateway:RateLimiting:Anonymous:Burst=200000",
            "--Caravan:Gateway:RateLimiting:Authenticated:TokensPerSecond=100000",
            "--Caravan:Gateway:RateLimiting:Authenticated:Burst=200000",
            .. settings.Select(setting => "--" + setting),
        ];
        var start = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = repositoryRoot,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("--wait");
        foreach (var argument in command)
        {
            start.ArgumentList.Add(argument);
        }

        // What the launch profile would set, with the dashboard on free ports.
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort()}";
        start.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{FreePort()}";
        start.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        start.Environment["ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true";
        foreach (var variable in environment)
        {
            var equals = variable.IndexOf('=', StringComparison.Ordinal);
            start.Environment[variable[..equals]] = variable[(equals + 1)..];
        }

        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new AppHostRun(process, log, dataDirectory, command);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until the gateway's readiness check and every routed API answer 200.</summary>
    public async Task WaitUntilReadyAsync(HttpClient gateway, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var waiting = ReadinessPaths.ToList();
        while (waiting.Count > 0)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The app host exited with code {_process.ExitCode} before it was ready.");
            }

            foreach (var path in waiting.ToList())
            {
                try
                {
                    using var attempt = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                    attempt.CancelAfter(TimeSpan.FromSeconds(5));
                    using var response = await gateway.GetAsync(new Uri(path, UriKind.Relative), attempt.Token);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        waiting.Remove(path);
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException && !deadline.IsCancellationRequested)
                {
                    // Not listening yet, or its service not yet started.
                }
            }

            try
            {
                await Task.Delay(waiting.Count > 0 ? TimeSpan.FromMilliseconds(500) : TimeSpan.Zero, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The system was not ready within {timeout.TotalSeconds:0} s; still failing: {string.Join(", ", waiting)}.");
            }
        }
    }

    /// <summary>
    /// Ctrl+C: SIGINT to the app host's process group (then SIGTERM if it did not exit); waits for it to
    /// exit and for every process of the run (seen just before) to end; SIGKILLs whatever is left.
    /// Returns what had to be killed.
    /// </summary>
    public async Task<StopResult> StopAsync()
    {
        var run = ProcFs.RunOf(_process.Id);
        var clock = Stopwatch.StartNew();
        await SignalGroupAsync("-INT");
        var exited = await WaitAsync(() => _process.HasExited, TimeSpan.FromSeconds(45));
        if (!exited)
        {
            // SIGINT is ignored by a process whose parent started it ignoring SIGINT (a background job of
            // a script); SIGTERM stops the .NET host just as gracefully.
            await SignalGroupAsync("-TERM");
            exited = await WaitAsync(() => _process.HasExited, TimeSpan.FromSeconds(45));
        }

        var allEnded = await WaitAsync(() => !run.Any(ProcFs.IsAlive), TimeSpan.FromSeconds(30));
        var stopSeconds = clock.Elapsed.TotalSeconds;

        var killed = new List<string>();
        foreach (var entry in run.Where(ProcFs.IsAlive))
        {
            killed.Add($"{entry.Label}({entry.Pid})");
            Kill(entry.Pid);
        }

        // A service restarted after the snapshot above would not be in it; its environment names our data directory.
        foreach (var pid in ProcFs.WithEnvironment("Caravan__DataDirectory=" + DataDirectory))
        {
            killed.Add($"{ProcFs.Read(pid)?.Label ?? "?"}({pid}, by its environment)");
            Kill(pid);
        }

        // The exit, and the end of its output (a leftover holding the pipe open is dead by now).
        using (var drained = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            try
            {
                await _process.WaitForExitAsync(drained.Token);
            }
            catch (OperationCanceledException)
            {
                killed.Add("(the app host's output did not close within 10 s)");
            }
        }

        lock (_log)
        {
            _log.Dispose();
        }

        return new StopResult(exited, allEnded, stopSeconds, run.Count, killed);
    }

    private async Task SignalGroupAsync(string signal)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", [signal, "--", "-" + _process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }
    }

    private static void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static async Task<bool> WaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(100);
        }

        return true;
    }

    private static void Append(StreamWriter log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                if (log.BaseStream is not null)
                {
                    log.WriteLine(line);
                }
            }
        }
    }
}

/// <summary>How the stop went: whether Ctrl+C (or SIGTERM after it) was enough, and what had to be killed.</summary>
internal sealed record StopResult(bool AppHostExited, bool AllEnded, double Seconds, int Processes, IReadOnlyList<string> Killed);
