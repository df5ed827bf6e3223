using System.Globalization;

namespace Caravan.Bench.Orders;

/// <summary>Prints a run's results: the summary, messages per order, CPU per program, the ceiling, and a Markdown row for docs/benchmarks.md.</summary>
internal static class Report
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static void Print(
        BenchOptions options,
        RunResult result,
        CpuUsage cpu,
        CpuUsage idle,
        MessageCounts before,
        MessageCounts after,
        (List<(string Step, Percentiles Ms)> Rows, string? Problem) steps,
        StopResult stop,
        List<double>? ceilingRuns)
    {
        var n = (double)result.Orders;
        var enqueuedPerOrder = (after.Enqueued - before.Enqueued) / n;
        Console.WriteLine();
        Line($"Results: {result.Orders} measured orders, {options.Concurrency} closed-loop clients");
        Line($"  orders/s, end to end        {result.OrdersPerSecond:N1}   (orders / (last final updatedAt - first POST start))");
        Line($"  accepted/s, POST side       {result.AcceptedPerSecond:N1}   ({result.InFlightAtLastAccept} orders were not final yet when the last POST was accepted)");
        Line($"  POST -> final, ms           p50 {Ms(result.LatencyMs.P50)}   p90 {Ms(result.LatencyMs.P90)}   p99 {Ms(result.LatencyMs.P99)}   max {Ms(result.LatencyMs.Max)}");
        Line($"                              p50 of the first 10 % of orders {Ms(result.FirstTenthP50Ms)}, of the last 10 % {Ms(result.LastTenthP50Ms)}");
        Line($"  POST response (accept), ms  p50 {Ms(result.AcceptMs.P50)}   p90 {Ms(result.AcceptMs.P90)}   p99 {Ms(result.AcceptMs.P99)}   max {Ms(result.AcceptMs.Max)}");
        Line($"  outcome                     {result.Confirmed} confirmed, {result.Cancelled} cancelled, {result.NotFinal} not final");
        foreach (var (reason, count) in result.CancelReasons.OrderByDescending(pair => pair.Value).Take(5))
        {
            Line($"                              cancelled {count} x: {reason}");
        }

        Line($"  retried POST attempts       {result.Retries} (orders that needed more than one attempt: {result.RetriedOrders})");

        Console.WriteLine();
        Line($"Messages, counted from the run's SQLite files (from the start of the measured run to the stop):");
        Line($"  broker deliveries enqueued  {after.Enqueued - before.Enqueued} = {enqueuedPerOrder:0.00} per order (sends, replies, scheduled saga timeouts, one per subscriber of each event)");
        Line($"  handled (inbox rows)        {string.Join(", ", MessageCounts.Services.Select(s => $"{s} {after.HandledSince(before, s) / n:0.00}"))} per order");
        Line($"                              (includes warm-up saga timeouts that came due in the window; excludes this run's timeouts not yet due)");
        Line($"  still queued at the stop    {(after.Queued.Count == 0 ? "nothing" : string.Join(", ", after.Queued.Select(pair => $"{pair.Value} {pair.Key}")))}");
        Line($"  dead letters                {after.DeadLetters - before.DeadLetters} new ({after.DeadLetters} in all)");

        Console.WriteLine();
        Line($"Where an order's time goes, from the services' own row timestamps (server clock; each step is one or two message hops):");
        if (steps.Problem is not null)
        {
            Line($"  (not available: {steps.Problem})");
        }
        else
        {
            Line($"| step | p50 ms | p90 ms | p99 ms | max ms |");
            Line($"|---|---:|---:|---:|---:|");
            foreach (var (step, ms) in steps.Rows)
            {
                Line($"| {step} | {Ms(ms.P50)} | {Ms(ms.P90)} | {Ms(ms.P99)} | {Ms(ms.Max)} |");
            }
        }

        Console.WriteLine();
        Line($"CPU from the first POST until all orders were seen final ({cpu.Seconds:0.0} s; 1.00 = one core busy), and idle before the warm-up ({idle.Seconds:0.0} s without requests, 10 s after the system was ready):");
        Line($"| program | processes | cores | CPU ms per order | idle cores |");
        Line($"|---|---:|---:|---:|---:|");
        var idleCores = idle.ByProgram.ToDictionary(row => row.Label, row => row.Cores, StringComparer.Ordinal);
        foreach (var (label, processes, cores) in cpu.ByProgram.Where(row => row.Cores >= 0.005))
        {
            Line($"| {label} | {processes} | {cores:0.00} | {cores * cpu.Seconds * 1000 / n:0.00} | {idleCores.GetValueOrDefault(label):0.00} |");
        }

        Line($"| all of the above | | {cpu.OurCores:0.00} | {cpu.OurCores * cpu.Seconds * 1000 / n:0.00} | {idle.OurCores:0.00} |");
        Line($"| rest of the machine (other work) | | {cpu.OtherCores:0.00} | | {idle.OtherCores:0.00} |");
        if (cpu.Ended.Count > 0)
        {
            Line($"  processes that ended during the window (crash or restart?): {string.Join(", ", cpu.Ended)}");
        }

        string ceilingText = "-", ratio = "-", brokerRatio = "-";
        if (ceilingRuns is { Count: > 0 })
        {
            var median = Median(ceilingRuns);
            var brokerRate = result.OrdersPerSecond * enqueuedPerOrder;
            ceilingText = median.ToString("N0", Invariant);
            ratio = (result.OrdersPerSecond / median).ToString("0.0000", Invariant);
            brokerRatio = (brokerRate / median).ToString("0.000", Invariant);
            Console.WriteLine();
            Line($"Messaging ceiling (raw SQLite queue, {MessagingCeiling.Messages} messages per run): {string.Join(", ", ceilingRuns.Select(r => r.ToString("N0", Invariant)))} msg/s; median {ceilingText}");
            Line($"  orders/s / ceiling msg/s    {ratio}");
            Line($"  broker deliveries/s         {brokerRate:N0} (orders/s x {enqueuedPerOrder:0.00} per order) = {brokerRatio} of the ceiling");
        }

        Console.WriteLine();
        Line($"Markdown row for docs/benchmarks.md:");
        Line($"| orders | clients | orders/s | POST -> final p50 / p90 / p99 / max ms | POST p50 / p99 ms | confirmed | retries | broker deliveries per order | ceiling msg/s (median) | orders/s / ceiling | deliveries/s / ceiling | our CPU (cores) | other load (cores) |");
        Line($"| {result.Orders} | {options.Concurrency} | {result.OrdersPerSecond:N1} | {Ms(result.LatencyMs.P50)} / {Ms(result.LatencyMs.P90)} / {Ms(result.LatencyMs.P99)} / {Ms(result.LatencyMs.Max)} | {Ms(result.AcceptMs.P50)} / {Ms(result.AcceptMs.P99)} | {result.Confirmed} | {result.Retries} | {enqueuedPerOrder:0.00} | {ceilingText} | {ratio} | {brokerRatio} | {cpu.OurCores:0.00} | {cpu.OtherCores:0.00} |");
        if (stop.Killed.Count > 0)
        {
            Line($"WARNING: processes outlived the app host's stop and were killed: {string.Join(", ", stop.Killed)}");
        }

        if (result.NotFinal > 0)
        {
            Line($"WARNING: {result.NotFinal} measured order(s) were not final when read back.");
        }
    }

    private static string Ms(double milliseconds) => milliseconds.ToString(milliseconds < 100 ? "0.0" : "N0", Invariant);

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static void Line(FormattableString text) => Console.WriteLine(text.ToString(Invariant));
}
