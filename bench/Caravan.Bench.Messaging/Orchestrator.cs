using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Caravan.Bench.Messaging;

/// <summary>
/// Runs the raw ceiling and Caravan, each as a producer process and a consumer process, once per
/// run, and prints what they measured. Per side: start the consumer, then the producer; warm up
/// in rounds (the producer sends <c>--warmup</c> messages and the consumer takes them all; another
/// round follows while either process still spent more than <c>--jit-settled</c> % of the round in
/// the JIT, up to <c>--max-warmup-rounds</c>); then the producer sends <c>--messages</c> at full
/// speed and the consumer takes them. Throughput is measured from
/// the first measured send to the last measured message consumed, both on one machine-wide clock.
/// </summary>
internal static class Orchestrator
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var root = Path.Combine(Path.GetTempPath(), "caravan-bench", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", Invariant) + "-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(root);
        PrintHeader(options, root);

        var runs = new List<RunResult>();
        try
        {
            for (var run = 1; run <= options.Runs; run++)
            {
                var runDirectory = Path.Combine(root, "run" + run.ToString(Invariant));
                SideResult? ceiling = null, caravan = null;
                string? ceilingLock = null;
                if (options.Sides is "both" or "ceiling")
                {
                    // The ceiling is the best a hand-written program does: measured once per write-lock mode, the best counts.
                    foreach (var mode in options.CeilingLocks)
                    {
                        var result = await RunSideAsync(
                            options.WithCeilingLock(mode), "ceiling", Roles.CeilingProducer, Roles.CeilingConsumer, Path.Combine(runDirectory, "ceiling-" + mode));
                        Print(options, run, $"ceiling ({mode})", result);
                        if (ceiling is null || result.MessagesPerSecond > ceiling.MessagesPerSecond)
                        {
                            (ceiling, ceilingLock) = (result, mode);
                        }
                    }
                }

                if (options.Sides is "both" or "caravan")
                {
                    caravan = await RunSideAsync(options, "caravan", Roles.CaravanProducer, Roles.CaravanConsumer, Path.Combine(runDirectory, "caravan"));
                    Print(options, run, "Caravan", caravan);
                }

                if (ceiling is not null && caravan is not null)
                {
                    Console.WriteLine(string.Create(Invariant, $"run {run}: Caravan / ceiling = {caravan.MessagesPerSecond / ceiling.MessagesPerSecond:0.000}"));
                }

                runs.Add(new RunResult(run, ceiling, caravan, ceilingLock));
            }
        }
        finally
        {
            if (!options.Keep)
            {
                TryDelete(root);
            }
        }

        PrintTable(options, runs);
        PrintProfiles(options, runs);
        return 0;
    }

    private static async Task<SideResult> RunSideAsync(BenchOptions options, string side, string producerRole, string consumerRole, string directory)
    {
        Directory.CreateDirectory(directory);
        var producerResult = Path.Combine(directory, "producer.json");
        var consumerResult = Path.Combine(directory, "consumer.json");
        var timeout = options.Timeout;

        using var consumer = ChildProcess.Start(side + "-consumer", options.ChildArguments(consumerRole, directory, consumerResult));
        await consumer.WaitForAsync(ControlChannel.Ready, timeout);
        var consumerJit = await consumer.WaitForValueAsync(ControlChannel.Jit, timeout);
        using var producer = ChildProcess.Start(side + "-producer", options.ChildArguments(producerRole, directory, producerResult));
        await producer.WaitForAsync(ControlChannel.Ready, timeout);

        var warmup = new WarmupResult(0, 0, 0, 0, 0, Settled: true, History: string.Empty);
        if (options.Warmup == 0)
        {
            await consumer.WaitForValueAsync(ControlChannel.Warm, timeout);
        }
        else
        {
            // Warm up until the JIT has settled in both processes: rounds of --warmup messages, each
            // judged by the JIT time either process spent in it against the round's wall time.
            var producerJit = await AskJitAsync(producer, timeout);
            var history = new List<string>();
            for (var round = 1; ; round++)
            {
                var started = BenchClock.NowNs();
                await producer.TellAsync(ControlChannel.WarmUp);
                var consumerNow = await consumer.WaitForValueAsync(ControlChannel.Warm, timeout);
                var elapsedMs = (BenchClock.NowNs() - started) / 1e6;
                var producerNow = await AskJitAsync(producer, timeout);
                var settled = Math.Max(producerNow - producerJit, consumerNow - consumerJit) <= elapsedMs * options.JitSettledPercent / 100;
                history.Add(string.Create(Invariant, $"{producerNow - producerJit:0}+{consumerNow - consumerJit:0}/{elapsedMs:0}"));
                warmup = new WarmupResult(round * options.Warmup, round, elapsedMs, producerNow - producerJit, consumerNow - consumerJit, settled, string.Join(' ', history));
                (producerJit, consumerJit) = (producerNow, consumerNow);
                if (settled || options.FixedWarmup || round >= options.MaxWarmupRounds)
                {
                    break;
                }
            }
        }

        var machineBefore = MachineCpu.Read();
        await producer.TellAsync(ControlChannel.Go);
        await producer.WaitForAsync(ControlChannel.Sent, timeout);
        await consumer.WaitForAsync(ControlChannel.Done, timeout);
        var machineAfter = MachineCpu.Read();
        await producer.TellAsync(ControlChannel.Stop);
        await Task.WhenAll(producer.WaitForExitAsync(timeout), consumer.WaitForExitAsync(timeout));

        var producerData = ResultFile.Read<ProducerResult>(producerResult);
        var consumerData = ResultFile.Read<ConsumerResult>(consumerResult);
        return new SideResult(producerData, consumerData, MachineCpu.OtherCores(machineBefore, machineAfter, producerData.CpuMs + consumerData.CpuMs), warmup);
    }

    private static async Task<double> AskJitAsync(ChildProcess producer, TimeSpan timeout)
    {
        await producer.TellAsync(ControlChannel.Jit);
        return await producer.WaitForValueAsync(ControlChannel.Jit, timeout);
    }

    private static void PrintHeader(BenchOptions options, string root)
    {
        string sqliteVersion;
        using (var connection = new SqliteConnection("Data Source=:memory:"))
        {
            connection.Open();
            sqliteVersion = connection.ServerVersion;
        }

#if DEBUG
        Console.WriteLine("WARNING: this is a Debug build; measure with -c Release.");
#endif
        Console.WriteLine("Caravan messaging benchmark: two processes, SQLite transport, outbox + inbox on");
        Console.WriteLine($"machine:   {CpuModel()}, {Environment.ProcessorCount} logical CPUs, {RuntimeInformation.OSDescription}");
        Console.WriteLine($"runtime:   {RuntimeInformation.FrameworkDescription}, SQLite {sqliteVersion}");
        Console.WriteLine(string.Create(Invariant, $"workload:  {options.Messages} measured messages per side, {options.BodyBytes}-byte bodies, {options.Runs} run(s), {(options.Rate > 0 ? $"paced at {options.Rate} msg/s" : "full speed")}"));
        Console.WriteLine(string.Create(Invariant, $"warm-up:   {(options.Warmup == 0 ? "none" : options.FixedWarmup ? $"{options.Warmup} messages per side (fixed)" : $"rounds of {options.Warmup} messages per side until each process's JIT time in a round is <= {options.JitSettledPercent:0.##}% of its wall time, at most {options.MaxWarmupRounds} rounds")}"));
        Console.WriteLine(string.Create(Invariant, $"ceiling:   1 row per producer transaction; consumer deletes up to {options.CeilingBatch} rows per transaction; idle wait: {options.CeilingIdle}; write lock: {string.Join(" and ", options.CeilingLocks)}{(options.CeilingLocks.Count > 1 ? ", the best per run counts" : string.Empty)}"));
        Console.WriteLine($"caravan:   {options.CaravanSettings()}{(options.Profile ? ", PROFILED" : string.Empty)}");
        Console.WriteLine($"clock:     {BenchClock.Description}");
        Console.WriteLine($"databases: {root}{(options.Keep ? " (kept)" : " (deleted at the end)")}");
        Console.WriteLine();
    }

    private static void Print(BenchOptions options, int run, string side, SideResult result)
    {
        Console.WriteLine(string.Create(
            Invariant,
            $"run {run}: {side,-25} {result.MessagesPerSecond,9:N0} msg/s   p50 {Ms(result.Consumer.Latency.P50Ns),8} ms   p99 {Ms(result.Consumer.Latency.P99Ns),8} ms"));
        var warmup = result.Warmup;
        if (warmup.Rounds > 0)
        {
            Console.WriteLine(string.Create(
                Invariant,
                $"run {run}: {side,-25} warm-up {warmup.Messages:N0} messages in {warmup.Rounds} round(s); JIT in the last round {warmup.ProducerJitMs:0} + {warmup.ConsumerJitMs:0} ms of {warmup.RoundMs:0} ms{(warmup.Settled ? " (settled)" : string.Empty)}; per round, JIT ms prod+cons/wall ms: {warmup.History}"));
        }

        if (warmup.Rounds > 0 && !warmup.Settled && !options.FixedWarmup)
        {
            Console.WriteLine(string.Create(Invariant, $"run {run}: WARNING: {side}'s JIT had not settled after {warmup.Rounds} warm-up rounds (--max-warmup-rounds); measured anyway"));
        }

        if (result.Consumer.Duplicates > 0)
        {
            Console.WriteLine(string.Create(Invariant, $"run {run}: WARNING: {side}'s handler saw {result.Consumer.Duplicates} measured message(s) twice"));
        }
    }

    private static void PrintTable(BenchOptions options, List<RunResult> runs)
    {
        var table = new StringBuilder();
        table.AppendLine();
        table.AppendLine("| run | side | msg/s | p50 ms | p99 ms | max ms | producer-only msg/s | send call p50 / p99 µs | CPU µs/msg prod + cons | JIT ms prod + cons | warm-up msgs | last warm-up round JIT ms prod + cons | other load (cores) | Caravan / ceiling |");
        table.AppendLine("|----:|------|------:|-------:|-------:|-------:|--------------------:|-----------------------:|-------------------------:|-------------------:|-------------:|--------------------------------------:|-------------------:|------------------:|");
        foreach (var run in runs)
        {
            var ratio = run.Ratio is { } r ? r.ToString("0.000", Invariant) : string.Empty;
            if (run.Ceiling is { } ceiling)
            {
                table.AppendLine(Row(run.Run, options.CeilingLocks.Count > 1 ? $"raw SQLite ceiling ({run.CeilingLock})" : "raw SQLite ceiling", ceiling, string.Empty));
            }

            if (run.Caravan is { } caravan)
            {
                table.AppendLine(Row(run.Run, "Caravan", caravan, ratio));
            }
        }

        var ceilings = runs.Where(r => r.Ceiling is not null).Select(r => r.Ceiling!).ToList();
        var caravans = runs.Where(r => r.Caravan is not null).Select(r => r.Caravan!).ToList();
        var ratios = runs.Where(r => r.Ratio is not null).Select(r => r.Ratio!.Value).ToList();
        if (runs.Count > 1)
        {
            if (ceilings.Count > 0)
            {
                table.AppendLine(MedianRow(options.CeilingLocks.Count > 1 ? "raw SQLite ceiling (best per run)" : "raw SQLite ceiling", ceilings, string.Empty));
            }

            if (caravans.Count > 0)
            {
                table.AppendLine(MedianRow("Caravan", caravans, ratios.Count > 0 ? Median(ratios).ToString("0.000", Invariant) : string.Empty));
            }
        }

        Console.Write(table.ToString());
        Console.WriteLine(string.Create(Invariant, $"(median of the ratios: {(ratios.Count > 0 ? Median(ratios).ToString("0.000", Invariant) : "-")}; ratio of the medians: {(ceilings.Count > 0 && caravans.Count > 0 ? (Median(caravans.Select(r => r.MessagesPerSecond)) / Median(ceilings.Select(r => r.MessagesPerSecond))).ToString("0.000", Invariant) : "-")})"));
        if (runs.Count > 1)
        {
            Console.WriteLine(string.Create(Invariant, $"spread over {runs.Count} runs (min-max, max/min): {Spread("ceiling", ceilings)}{Spread("Caravan", caravans)}{(ratios.Count > 0 ? $"ratio {ratios.Min():0.000}-{ratios.Max():0.000}" : string.Empty)}"));
        }

        var unsettled = ceilings.Concat(caravans).Count(r => !r.Warmup.Settled);
        if (unsettled > 0 && !options.FixedWarmup)
        {
            Console.WriteLine(string.Create(Invariant, $"WARNING: in {unsettled} of {ceilings.Count + caravans.Count} side runs the JIT had not settled when the warm-up rounds ran out (see 'last warm-up round JIT'): those rows include tiering."));
        }

        var busy = ceilings.Concat(caravans).Where(r => r.OtherCores is > 0.25).ToList();
        if (busy.Count > 0)
        {
            Console.WriteLine(string.Create(Invariant, $"WARNING: in {busy.Count} of {ceilings.Count + caravans.Count} side runs the rest of the machine used more than 0.25 cores (see 'other load'): those numbers are disturbed."));
        }

        if (ratios.Count > 0 && options.Rate > 0)
        {
            Console.WriteLine();
            Console.WriteLine(string.Create(
                Invariant,
                $"Paced at {options.Rate} msg/s: both sides only had to keep up, so msg/s and the ratio say nothing about the ceiling; read the latency (CPU includes the pacing's busy waits)."));
        }
        else if (ratios.Count > 0)
        {
            var median = Median(ratios);
            Console.WriteLine();
            Console.WriteLine(string.Create(
                Invariant,
                $"Caravan reaches {median:0.000} of the raw ceiling (median of {ratios.Count} run(s); per run: {string.Join(", ", ratios.Select(x => x.ToString("0.000", Invariant)))}); target >= 0.5: {(median >= 0.5 ? "MET" : "MISSED")}"));
        }
    }

    private static void PrintProfiles(BenchOptions options, List<RunResult> runs)
    {
        if (!options.Profile)
        {
            return;
        }

        foreach (var run in runs.Where(r => r.Caravan is not null))
        {
            var result = run.Caravan!;
            Console.WriteLine();
            Console.WriteLine(string.Create(Invariant, $"Profile of run {run.Run} (Caravan, {result.Producer.Messages} measured messages):"));
            PrintProfile("producer", result.Producer.Profile, result.Producer.Messages);
            PrintProfile("consumer", result.Consumer.Profile, result.Consumer.Messages);
        }
    }

    private static void PrintProfile(string process, Dictionary<string, OperationStats>? profile, int messages)
    {
        if (profile is null)
        {
            return;
        }

        Console.WriteLine($"| {process} call | calls | calls/msg | items/call | µs/call | total ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (name, stats) in profile.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            Console.WriteLine(string.Create(
                Invariant,
                $"| {name} | {stats.Calls} | {(double)stats.Calls / messages:0.000} | {(double)stats.Items / Math.Max(1, stats.Calls):0.0} | {stats.TotalNs / 1000.0 / Math.Max(1, stats.Calls):0.0} | {stats.TotalNs / 1e6:0.0} |"));
        }
    }

    private static string Row(int run, string side, SideResult result, string ratio) => string.Create(
        Invariant,
        $"| {run} | {side} | {result.MessagesPerSecond:N0} | {Ms(result.Consumer.Latency.P50Ns)} | {Ms(result.Consumer.Latency.P99Ns)} | {Ms(result.Consumer.Latency.MaxNs)} | {result.ProducerOnlyPerSecond:N0} | {result.Producer.SendCall.P50Ns / 1000.0:0} / {result.Producer.SendCall.P99Ns / 1000.0:0} | {result.ProducerCpuPerMessage:0} + {result.ConsumerCpuPerMessage:0} | {result.Producer.JitMs:0} + {result.Consumer.JitMs:0} | {result.Warmup.Messages:N0} | {result.Warmup.ProducerJitMs:0} + {result.Warmup.ConsumerJitMs:0}{(result.Warmup.Settled ? string.Empty : " (not settled)")} | {Cores(result.OtherCores)} | {ratio} |");

    private static string MedianRow(string side, List<SideResult> results, string ratio) => string.Create(
        Invariant,
        $"| median | {side} | {Median(results.Select(r => r.MessagesPerSecond)):N0} | {Ms((long)Median(results.Select(r => (double)r.Consumer.Latency.P50Ns)))} | {Ms((long)Median(results.Select(r => (double)r.Consumer.Latency.P99Ns)))} | {Ms((long)Median(results.Select(r => (double)r.Consumer.Latency.MaxNs)))} | {Median(results.Select(r => r.ProducerOnlyPerSecond)):N0} | {Median(results.Select(r => r.Producer.SendCall.P50Ns / 1000.0)):0} / {Median(results.Select(r => r.Producer.SendCall.P99Ns / 1000.0)):0} | {Median(results.Select(r => r.ProducerCpuPerMessage)):0} + {Median(results.Select(r => r.ConsumerCpuPerMessage)):0} | {Median(results.Select(r => r.Producer.JitMs)):0} + {Median(results.Select(r => r.Consumer.JitMs)):0} | {Median(results.Select(r => (double)r.Warmup.Messages)):N0} | {Median(results.Select(r => r.Warmup.ProducerJitMs)):0} + {Median(results.Select(r => r.Warmup.ConsumerJitMs)):0} | {Cores(results.Any(r => r.OtherCores is null) ? null : Median(results.Select(r => r.OtherCores!.Value)))} | {ratio} |");

    private static string Spread(string side, List<SideResult> results) => results.Count == 0
        ? string.Empty
        : string.Create(Invariant, $"{side} {results.Min(r => r.MessagesPerSecond):N0}-{results.Max(r => r.MessagesPerSecond):N0} msg/s (x{results.Max(r => r.MessagesPerSecond) / results.Min(r => r.MessagesPerSecond):0.00}); ");

    private static string Cores(double? cores) => cores is { } value ? value.ToString("0.00", Invariant) : "-";

    private static string Ms(long nanoseconds) => (nanoseconds / 1e6).ToString(nanoseconds < 10_000_000 ? "0.000" : "0.0", Invariant);

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (UnauthorizedAccessException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the system's temp cleanup.
        }
    }

    /// <summary>One side of one run; OtherCores is the CPU the rest of the machine used meanwhile, in cores.</summary>
    private sealed record SideResult(ProducerResult Producer, ConsumerResult Consumer, double? OtherCores, WarmupResult Warmup)
    {
        public double MessagesPerSecond => Consumer.Messages / ((Consumer.LastConsumedNs - Producer.FirstSendNs) / 1e9);

        public double ProducerOnlyPerSecond => Producer.Messages / ((Producer.LastSendNs - Producer.FirstSendNs) / 1e9);

        public double ProducerCpuPerMessage => Producer.CpuMs * 1000 / Producer.Messages;

        public double ConsumerCpuPerMessage => Consumer.CpuMs * 1000 / Consumer.Messages;
    }

    /// <summary>How a side warmed up: messages and rounds used, and the last round's wall time and JIT time per process.</summary>
    private sealed record WarmupResult(int Messages, int Rounds, double RoundMs, double ProducerJitMs, double ConsumerJitMs, bool Settled, string History);

    private sealed record RunResult(int Run, SideResult? Ceiling, SideResult? Caravan, string? CeilingLock)
    {
        public double? Ratio => Ceiling is not null && Caravan is not null ? Caravan.MessagesPerSecond / Ceiling.MessagesPerSecond : null;
    }
}
