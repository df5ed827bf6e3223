using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Caravan.Bench.Orders;

/// <summary>
/// One invocation: start the system with the app host in a fresh data directory, wait until every
/// routed API answers, set up users and a product, place and finish the warm-up orders, then the
/// measured orders from closed-loop clients; wait until none is Pending or Compensating, read them all
/// back, stop the system (Ctrl+C), count messages from its files, and finally run the messaging ceiling.
/// </summary>
internal static class OrdersBenchmark
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private static readonly TimeSpan IdleSettle = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan IdleWindow = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(BenchOptions options, string[] args)
    {
        var time = TimeProvider.System;
        var root = Machine.RepositoryRoot();
        var stamp = time.GetUtcNow().ToString("yyyyMMdd-HHmmss", Invariant) + "-" + Guid.NewGuid().ToString("N")[..6];
        var runDirectory = Path.Combine(Path.GetTempPath(), "caravan-bench-orders", stamp);
        var dataDirectory = Path.Combine(runDirectory, "data");
        Directory.CreateDirectory(dataDirectory);
        var port = options.Port ?? AppHostRun.FreePort();
        var logPath = Path.Combine(runDirectory, "apphost.log");

        Console.WriteLine("Caravan order-system benchmark: orders through the gateway of the one-command run, embedded default (SQLite)");
        Console.WriteLine($"command:   dotnet run -c Release --project bench/Caravan.Bench.Orders{(args.Length > 0 ? " -- " + string.Join(' ', args) : string.Empty)}");
        Console.WriteLine($"source:    {Machine.Source(root)}");
        Console.WriteLine($"machine:   {Machine.CpuModel()}, {Environment.ProcessorCount} logical CPUs, {Machine.OperatingSystem()}");
        Console.WriteLine($"runtime:   {RuntimeInformation.FrameworkDescription}, SDK {Machine.Run(root, "dotnet", "--version")}");
        Console.WriteLine(string.Create(Invariant, $"workload:  {options.Orders} measured + {options.Warmup} warm-up orders, {options.Concurrency} closed-loop clients, 1 product line of 1-3 units, card 4242…, country PT"));
        Console.WriteLine($"clock:     latency = order's updatedAt (Orders service, wall clock) - client's first POST start (wall clock, same machine)");
        Console.WriteLine($"run dir:   {runDirectory}{(options.Keep ? " (kept)" : " (deleted at the end unless the run fails)")}");

        var system = AppHostRun.Start(root, dataDirectory, port, options.Settings, options.Environment, logPath);
        Console.WriteLine($"system:    {string.Join(' ', system.Command)}  (pid {system.Pid}, log {logPath})");
        if (options.Environment.Count > 0)
        {
            Console.WriteLine($"env:       {string.Join(' ', options.Environment)} (the app host's environment, inherited by the services)");
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // Ctrl+C here stops the measurement; the system (in its own session) is then stopped below.
            e.Cancel = true;
            cancel.Cancel();
        };

        RunResult result;
        CpuUsage cpu, idle;
        MessageCounts before;
        try
        {
            (result, cpu, idle, before) = await MeasureAsync(options, system, port, stamp, time, cancel.Token);
        }
        catch
        {
            Console.Error.WriteLine("The run failed; stopping the system ...");
            var failedStop = await system.StopAsync();
            Console.Error.WriteLine($"stopped:   {Describe(failedStop)}. The app host's log and the data are kept in {runDirectory}.");
            throw;
        }

        Console.WriteLine("stopping:  SIGINT to the app host's process group (Ctrl+C) ...");
        var stop = await system.StopAsync();
        Console.WriteLine($"stopped:   {Describe(stop)}");
        var after = MessageCounts.Read(dataDirectory);
        var steps = StepTimes.Read(dataDirectory, result.Ids);

        List<double>? ceiling = null;
        if (options.CeilingRuns > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"messaging ceiling, same invocation, system stopped: {string.Join(' ', MessagingCeiling.Command(options.CeilingRuns))}");
            try
            {
                ceiling = await MessagingCeiling.RunAsync(root, options.CeilingRuns, options.Timeout);
            }
            catch (Exception exception) when (exception is InvalidOperationException or TimeoutException)
            {
                // The orders' results stand on their own; report them without the ratio.
                Console.Error.WriteLine($"The messaging ceiling failed: {exception.Message}");
            }
        }

        Report.Print(options, result, cpu, idle, before, after, steps, stop, ceiling);
        if (!options.Keep)
        {
            TryDelete(runDirectory);
            TryDelete(DoorbellDirectory(Path.Combine(dataDirectory, "broker.db")));
        }

        return result.NotFinal == 0 && stop.Killed.Count == 0 ? 0 : 1;
    }

    private static async Task<(RunResult Result, CpuUsage Cpu, CpuUsage Idle, MessageCounts Before)> MeasureAsync(
        BenchOptions options, AppHostRun system, int port, string stamp, TimeProvider time, CancellationToken token)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = options.Concurrency + 4, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) };
        using var gateway = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };

        var clock = Stopwatch.StartNew();
        await system.WaitUntilReadyAsync(gateway, options.Timeout, token);
        Console.WriteLine(string.Create(Invariant, $"ready:     after {clock.Elapsed.TotalSeconds:0.0} s (build included): {string.Join(", ", AppHostRun.ReadinessPaths)} all answer 200"));

        // What the system costs doing nothing (health checks, telemetry export, idle polls), after a pause
        // that lets the start's own work (JIT, first health checks) pass; it is set against the run.
        await Task.Delay(IdleSettle, token);
        var idleStart = CpuSample.Take(system.Pid);
        await Task.Delay(IdleWindow, token);
        var idle = CpuUsage.Between(idleStart, CpuSample.Take(system.Pid));

        var load = new OrderLoad(gateway, time);
        await load.SetUpAsync((int)Math.Min(int.MaxValue / 2L, 3L * (options.Orders + options.Warmup) + 1000), token);
        if (options.Warmup > 0)
        {
            clock.Restart();
            await load.PlaceAsync(options.Warmup, options.Concurrency, $"warmup-{stamp}", token);
            await WaitFinalAsync(load, options.Timeout, token);
            await WaitSettledAsync(gateway, load, options.Warmup, token);
            Console.WriteLine(string.Create(Invariant, $"warm-up:   {options.Warmup} orders placed and final in {clock.Elapsed.TotalSeconds:0.0} s"));
        }

        var before = MessageCounts.Read(system.DataDirectory);
        var retriesBefore = load.Retries;
        var cpuBefore = CpuSample.Take(system.Pid);
        clock.Restart();
        var placed = await load.PlaceAsync(options.Orders, options.Concurrency, $"measured-{stamp}", token);
        Console.WriteLine(string.Create(Invariant, $"measured:  {options.Orders} orders accepted in {clock.Elapsed.TotalSeconds:0.0} s; waiting for final states ..."));
        await WaitFinalAsync(load, options.Timeout, token);
        var cpuAfter = CpuSample.Take(system.Pid);
        Console.WriteLine(string.Create(Invariant, $"final:     all final {clock.Elapsed.TotalSeconds:0.0} s after the first POST"));

        var orders = await load.ReadAllOrdersAsync(token);
        await WaitSettledAsync(gateway, load, options.Warmup + options.Orders, token);
        if (load.Failures.Count > 0)
        {
            Console.WriteLine($"retried:   {string.Join(", ", load.Failures.Select(pair => $"{pair.Value} × {pair.Key}"))}");
        }

        return (RunResult.From(placed, orders, load.Retries - retriesBefore), CpuUsage.Between(cpuBefore, cpuAfter), idle, before);
    }

    /// <summary>Until no order is Pending or Compensating.</summary>
    private static async Task WaitFinalAsync(OrderLoad load, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        long unfinished;
        while ((unfinished = await load.CountUnfinishedAsync(cancellationToken)) > 0)
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"{unfinished} order(s) were still Pending or Compensating after {timeout.TotalSeconds:0} s.");
            }

            if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(10))
            {
                lastReport = clock.Elapsed;
                Console.WriteLine(string.Create(Invariant, $"           {unfinished} order(s) not final yet ({clock.Elapsed.TotalSeconds:0} s)"));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    /// <summary>
    /// Until what follows a final state asynchronously has happened too: every order notified, no stock
    /// left reserved (Inventory commits on OrderConfirmed). Then the broker counters hold all of each
    /// order's messages. Gives up quietly after a minute: the counts are then a little short.
    /// </summary>
    private static async Task WaitSettledAsync(HttpClient gateway, OrderLoad load, int orders, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(1))
        {
            var product = await gateway.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/products/{OrderLoad.Sku}", UriKind.Relative), cancellationToken);
            if (await load.TotalAsync("/api/v1/notifications?limit=1", cancellationToken) >= orders && product.GetProperty("reserved").GetInt32() == 0)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        Console.WriteLine("           (notifications or inventory commits had not caught up after 60 s; message counts may be short)");
    }

    private static string Describe(StopResult stop) => string.Create(
        Invariant,
        $"{stop.Processes} processes; app host {(stop.AppHostExited ? "exited" : "did NOT exit")} and {(stop.AllEnded ? "all ended" : "NOT all ended")} within {stop.Seconds:0.0} s of Ctrl+C; {(stop.Killed.Count == 0 ? "nothing left to kill" : "KILLED: " + string.Join(", ", stop.Killed))}");

    /// <summary>Where the broker's doorbell sockets live (as SqliteDoorbell derives it), to clean up after the run.</summary>
    private static string DoorbellDirectory(string brokerPath)
    {
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(brokerPath))))[..16];
        return Path.Combine(Path.GetTempPath(), "caravan-bells", hash.ToLowerInvariant());
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"Could not delete {directory}: {exception.Message}");
        }
    }
}
