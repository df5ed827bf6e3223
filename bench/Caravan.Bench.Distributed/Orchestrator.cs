using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Caravan.Bench.Distributed;

/// <summary>One side's outcome in one round.</summary>
internal sealed record SideResult(
    int Run, string Side, string Name, double MessagesPerSecond, double ProducedPerSecond, double P50, double P99, int Duplicates,
    double CpuMsPerMessage, string LoadBefore, string LoadAfter, string? Error)
{
    /// <summary>
    /// CPU time of the whole machine (every process: the bench, PostgreSQL, RabbitMQ and anything else running) per
    /// measured message, in milliseconds; null where /proc/stat cannot be read.
    /// </summary>
    public double? MachineCpuMsPerMessage { get; init; }

    /// <summary>Share of the machine's CPU time left idle during the measured phase (0–100), if known.</summary>
    public double? IdlePercent { get; init; }

    /// <summary>Warm-up rounds before the measured phase, and the last one's JIT share of its wall time and methods compiled.</summary>
    public (int Rounds, double JitShare, int Methods)? Warmup { get; init; }

    /// <summary>Share of the machine's CPU time the hypervisor gave to other guests during the measured phase (0–100), if known.</summary>
    public double? StealPercent { get; init; }
}

/// <summary>
/// Runs every side in turn (rounds alternate their order), each round of each side in a process of its own: start the side, warm it up until the
/// JIT has settled (rounds of <c>--warmup</c> messages until rounds in a row covering <c>--jit-quiet-seconds</c> each
/// compiled at most <c>--jit-settled-methods</c> methods for at most <c>--jit-settled</c> of the round's wall time, the same
/// rule for every side), then produce the measured messages from <c>--producers</c>
/// tasks and wait until the consumer handled them all.
/// Throughput is measured messages / (last handled − first produce started).
/// </summary>
internal static class Orchestrator
{
    internal const string ResultPrefix = "SIDE-RESULT ";

    internal static readonly JsonSerializerOptions ResultJson = new() { IncludeFields = true };

    public static async Task<List<SideResult>> RunAsync(BenchOptions options)
    {
        var results = new List<SideResult>();
        var runId = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);
        for (var run = 1; run <= options.Runs; run++)
        {
            var sides = run % 2 == 1 ? options.Sides : options.Sides.Reverse().ToList();
            foreach (var side in sides)
            {
                Console.Error.WriteLine($"run {run}: {side} …");
                var result = await RunSideInChildAsync(options, side, run, $"{runId}-{run}");
                Console.Error.WriteLine(result.Error is null
                    ? $"run {run}: {side} {result.MessagesPerSecond:F0} msg/s, p50 {result.P50:F1} ms, p99 {result.P99:F1} ms"
                    : $"run {run}: {side} failed: {result.Error}");
                results.Add(result);
            }
        }

        return results;
    }

    /// <summary>
    /// Runs one side for one round in a process of its own (this program with <c>--run-side</c>), so that no side
    /// shares a JIT, a heap, a thread pool or lingering background work with another; its log goes to this stderr.
    /// </summary>
    private static async Task<SideResult> RunSideInChildAsync(BenchOptions options, string side, int run, string runId)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(System.Reflection.Assembly.GetEntryAssembly()!.Location);
        foreach (var argument in options.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("--run-side");
        start.ArgumentList.Add(side);
        start.ArgumentList.Add(run.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(runId);
        using var child = Process.Start(start) ?? throw new InvalidOperationException("The side's process did not start.");
        SideResult? result = null;
        while (await child.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith(ResultPrefix, StringComparison.Ordinal))
            {
                result = JsonSerializer.Deserialize<SideResult>(line[ResultPrefix.Length..], ResultJson);
            }
        }

        await child.WaitForExitAsync();
        return result ?? new SideResult(run, side, side, 0, 0, 0, 0, 0, 0, "?", Machine.LoadAverage(), $"the side's process exited with {child.ExitCode} and no result");
    }

    internal static async Task<SideResult> RunSideAsync(BenchOptions options, string sideName, int run, string runId)
    {
        var warmupCapacity = options.Warmup * options.MaxWarmupRounds;
        var recorder = new Recorder(warmupCapacity, options.Messages);
        var loadBefore = Machine.LoadAverage();
        await using var side = Create(sideName, options, recorder, runId);
        try
        {
            using var timeout = new CancellationTokenSource(options.Timeout);
            await side.StartAsync(timeout.Token);
            var payload = new string('x', options.BodyChars);

            var warmup = await WarmUpAsync(side, options, recorder, payload, timeout.Token);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {run}: {sideName} warmed up in {warmup.Rounds} round(s), the last compiled {warmup.Methods} method(s) in {warmup.JitShare:P1} of its time"));

            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var machineBefore = Machine.CpuTimes();
            var started = Stopwatch.GetTimestamp();
            await ProduceAsync(side, options, payload, first: warmupCapacity, count: options.Messages, timeout.Token);
            var produced = Recorder.Milliseconds(Stopwatch.GetTimestamp() - started) / 1000;
            var backlog = await side.BacklogAsync(timeout.Token);
            Console.Error.WriteLine($"run {run}: {sideName} all produced, {recorder.Handled - (warmup.Rounds * options.Warmup)} handled{(backlog.Length > 0 ? "; " + backlog : string.Empty)}");
            await recorder.Done.Task.WaitAsync(timeout.Token);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            var machineAfter = Machine.CpuTimes();
            var machine = machineBefore is { } before && machineAfter is { } after
                ? (BusyMs: after.BusyMs - before.BusyMs, IdleMs: after.IdleMs - before.IdleMs, StealMs: after.StealMs - before.StealMs,
                   Total: after.BusyMs + after.IdleMs + after.StealMs - before.BusyMs - before.IdleMs - before.StealMs)
                : ((double BusyMs, double IdleMs, double StealMs, double Total)?)null;
            var seconds = Recorder.Milliseconds(recorder.LastHandledAt - started) / 1000;
            var (p50, p99) = recorder.Percentiles();
            return new SideResult(
                run, sideName, side.Name, options.Messages / seconds, options.Messages / produced, p50, p99, recorder.Duplicates,
                cpu.TotalMilliseconds / options.Messages, loadBefore, Machine.LoadAverage(), null)
            {
                MachineCpuMsPerMessage = machine is { } m ? m.BusyMs / options.Messages : null,
                IdlePercent = machine is { Total: > 0 } i ? 100 * i.IdleMs / i.Total : null,
                StealPercent = machine is { Total: > 0 } t ? 100 * t.StealMs / t.Total : null,
                Warmup = warmup,
            };
        }
        catch (Exception ex)
        {
            return new SideResult(run, sideName, side.Name, 0, 0, 0, 0, recorder.Duplicates, 0, loadBefore, Machine.LoadAverage(),
                $"{ex.GetType().Name}: {ex.Message} (handled {recorder.Handled})");
        }
    }

    /// <summary>
    /// Warm-up rounds (unpaced) until the JIT has been quiet for --jit-quiet-seconds of rounds in a row: each of them
    /// compiled at most --jit-settled-methods methods, for at most --jit-settled of its wall time. One quiet round proves
    /// little: the runtime promotes hot methods in bursts (call counting starts only after a pause in new tier-0
    /// compilation, then the background compiler works through its queue), so quiet rounds can come before and between
    /// bursts of hundreds of methods, and a side declared warm there is measured while most of its code is still tier 0
    /// or instrumented.
    /// </summary>
    private static async Task<(int Rounds, double JitShare, int Methods)> WarmUpAsync(
        BenchSide side, BenchOptions options, Recorder recorder, string payload, CancellationToken cancellationToken)
    {
        var share = 1.0;
        var methods = int.MaxValue;
        var round = 0;
        var quiet = TimeSpan.Zero;
        while (round < options.MaxWarmupRounds)
        {
            var jitBefore = System.Runtime.JitInfo.GetCompilationTime(currentThread: false);
            var methodsBefore = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false);
            var started = Stopwatch.GetTimestamp();
            var warm = recorder.WarmedUpTo((round + 1) * options.Warmup);
            await ProduceAsync(side, options with { Rate = null }, payload, first: round * options.Warmup, count: options.Warmup, cancellationToken);
            await warm.WaitAsync(cancellationToken);
            var wall = Stopwatch.GetElapsedTime(started);
            share = (System.Runtime.JitInfo.GetCompilationTime(currentThread: false) - jitBefore) / wall;
            methods = (int)(System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false) - methodsBefore);
            round++;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  warm-up round {round}: {wall.TotalMilliseconds:F0} ms, {methods} method(s) compiled in {share:P1} of it"));
            quiet = share <= options.JitSettled && methods <= options.JitSettledMethods ? quiet + wall : TimeSpan.Zero;
            // A round that compiled too much resets the streak, so even --jit-quiet-seconds 0 needs one quiet round.
            if (quiet > TimeSpan.Zero && quiet.TotalSeconds >= options.JitQuietSeconds)
            {
                break;
            }
        }

        return (round, share, methods);
    }

    private static BenchSide Create(string side, BenchOptions options, Recorder recorder, string runId) => side switch
    {
        "raw" => new RawSide(options, recorder, runId),
        "caravan" => new CaravanSide(options, recorder, runId),
        "wolverine" => new WolverineSide(options, recorder, runId),
        "masstransit" => new MassTransitSide(options, recorder, runId),
        _ => throw new ArgumentOutOfRangeException(nameof(side)),
    };

    /// <summary>Produces sequence numbers first..first+count-1 from <c>--producers</c> tasks, as fast as they go.</summary>
    private static async Task ProduceAsync(BenchSide side, BenchOptions options, string payload, int first, int count, CancellationToken cancellationToken)
    {
        var next = first - 1;
        var end = first + count;
        var started = Stopwatch.GetTimestamp();
        var producers = Enumerable.Range(0, options.Producers).Select(_ => Task.Run(async () =>
        {
            int seq;
            while ((seq = Interlocked.Increment(ref next)) < end)
            {
                if (options.Rate is { } rate)
                {
                    // Paced: message n is due n / rate seconds after the first (producers that fall behind do not catch up in a burst).
                    var due = started + (long)((seq - first) * (double)Stopwatch.Frequency / rate);
                    var wait = Recorder.Milliseconds(due - Stopwatch.GetTimestamp());
                    if (wait > 0)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(wait), cancellationToken);
                    }
                }

                await side.ProduceAsync(new BenchMessage(Guid.CreateVersion7(), seq, Stopwatch.GetTimestamp(), payload), cancellationToken);
            }
        }, cancellationToken));
        await Task.WhenAll(producers);
    }
}

/// <summary>What the machine was doing.</summary>
internal static class Machine
{
    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    /// <summary>
    /// The machine's CPU time so far, all cores added up, from the first line of /proc/stat: busy (user, nice, system,
    /// irq, softirq), idle (idle, iowait) and steal (time the hypervisor gave to other guests: CPU this machine did not
    /// get), in milliseconds; null where it cannot be read (not Linux).
    /// </summary>
    public static (double BusyMs, double IdleMs, double StealMs)? CpuTimes()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 9 || fields[0] != "cpu")
            {
                return null;
            }

            var ticks = fields.Skip(1).Take(8).Select(field => double.Parse(field, CultureInfo.InvariantCulture)).ToArray();

            // USER_HZ is 100 on Linux: one tick is 10 ms.
            const double MsPerTick = 10;
            var idle = ticks[3] + ticks[4];
            var busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6];
            return (busy * MsPerTick, idle * MsPerTick, ticks[7] * MsPerTick);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }
}
