using System.Globalization;

namespace Caravan.Bench.Distributed;

/// <summary>The results table (Markdown) and the ratios the issue asks for.</summary>
internal static class Report
{
    public static void Print(BenchOptions options, IReadOnlyList<SideResult> results, TextWriter output)
    {
        var culture = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(culture, $"messages {options.Messages} per side after warm-up rounds of {options.Warmup} until the JIT settles (rounds in a row covering {options.JitQuietSeconds} s, each with <= {options.JitSettledMethods} methods compiled in <= {options.JitSettled:P0} of the round, at most {options.MaxWarmupRounds} rounds; each side's round in a process of its own), producers {options.Producers}, consumers {options.Consumers}, prefetch {options.Prefetch}, payload {options.BodyChars} chars, {(options.Rate is { } rate ? $"paced at {rate} msg/s" : "unpaced")}, {Environment.ProcessorCount} cores"));
        output.WriteLine();
        output.WriteLine("| run | side | msg/s | producer-side msg/s | p50 ms | p99 ms | duplicates | CPU µs/msg (bench process) | CPU µs/msg (machine) | idle %, steal % | warm-up rounds (methods, JIT % of last) | load before → after |");
        output.WriteLine("|----:|------|------:|--------------------:|-------:|-------:|-----------:|---------------------------:|---------------------:|----------------:|-------------------------------:|---------------------|");
        foreach (var result in results)
        {
            output.WriteLine(result.Error is null
                ? string.Create(culture, $"| {result.Run} | {result.Name} | {result.MessagesPerSecond:N0} | {result.ProducedPerSecond:N0} | {result.P50:F1} | {result.P99:F1} | {result.Duplicates} | {result.CpuMsPerMessage * 1000:F0} | {(result.MachineCpuMsPerMessage is { } machine ? (machine * 1000).ToString("F0", culture) : "?")} | {(result.IdlePercent is { } idle ? idle.ToString("F0", culture) : "?")}, {(result.StealPercent is { } steal ? steal.ToString("F0", culture) : "?")} | {(result.Warmup is { } w ? $"{w.Rounds} ({w.Methods}, {w.JitShare * 100:F1})" : "?")} | {result.LoadBefore} → {result.LoadAfter} |")
                : string.Create(culture, $"| {result.Run} | {result.Name} | failed: {result.Error} | | | | | | | | | {result.LoadBefore} → {result.LoadAfter} |"));
        }

        output.WriteLine();
        var medians = results.Where(result => result.Error is null).GroupBy(result => result.Side)
            .ToDictionary(group => group.Key, group => (
                Rate: Median(group.Select(r => r.MessagesPerSecond)),
                P50: Median(group.Select(r => r.P50)),
                P99: Median(group.Select(r => r.P99)),
                MachineCpu: group.All(r => r.MachineCpuMsPerMessage is not null) ? Median(group.Select(r => r.MachineCpuMsPerMessage!.Value)) : (double?)null));
        foreach (var (side, median) in medians)
        {
            output.WriteLine(string.Create(culture, $"median {side}: {median.Rate:N0} msg/s, p50 {median.P50:F1} ms, p99 {median.P99:F1} ms{(median.MachineCpu is { } machine ? $", machine CPU {machine * 1000:F0} µs/msg" : string.Empty)}"));
        }

        if (!medians.TryGetValue("caravan", out var caravan))
        {
            return;
        }

        if (medians.TryGetValue("raw", out var raw))
        {
            output.WriteLine(string.Create(culture, $"Caravan / raw ceiling: {caravan.Rate / raw.Rate:F2}x msg/s (target >= 0.5)"));
        }

        var peers = medians.Where(pair => pair.Key is "wolverine" or "masstransit").OrderByDescending(pair => pair.Value.Rate).ToList();
        foreach (var (side, peer) in peers)
        {
            output.WriteLine(string.Create(culture, $"Caravan / {side}: {caravan.Rate / peer.Rate:F2}x msg/s, p50 {caravan.P50 / peer.P50:F2}x, p99 {caravan.P99 / peer.P99:F2}x"));
        }

        if (peers.Count > 0)
        {
            output.WriteLine(string.Create(culture, $"Caravan / better peer ({peers[0].Key}): {caravan.Rate / peers[0].Value.Rate:F2}x msg/s (target >= 1.5)"));
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
