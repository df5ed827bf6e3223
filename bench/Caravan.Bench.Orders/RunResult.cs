namespace Caravan.Bench.Orders;

/// <summary>Percentiles of a set of values (nearest rank), as the messaging benchmark computes them.</summary>
internal sealed record Percentiles(double P50, double P90, double P99, double Max)
{
    public static Percentiles Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0
            ? new Percentiles(0, 0, 0, 0)
            : new Percentiles(Rank(sorted, 0.50), Rank(sorted, 0.90), Rank(sorted, 0.99), sorted[^1]);
    }

    private static double Rank(double[] sorted, double quantile) =>
        sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>
/// What the measured orders show. Latency of an order = its <c>updatedAt</c> (written by the Orders
/// service in the transaction that made it final) − the client's start of its first POST; both are
/// this machine's wall clock. Throughput = orders / (last final <c>updatedAt</c> − first POST start).
/// </summary>
internal sealed record RunResult(
    int Orders,
    int Confirmed,
    int Cancelled,
    int NotFinal,
    IReadOnlyDictionary<string, int> CancelReasons,
    Percentiles LatencyMs,
    Percentiles AcceptMs,
    double OrdersPerSecond,
    double AcceptedPerSecond,
    int InFlightAtLastAccept,
    double FirstTenthP50Ms,
    double LastTenthP50Ms,
    int Retries,
    int RetriedOrders,
    IReadOnlyList<Guid> Ids)
{
    public static RunResult From(IReadOnlyList<PlacedOrder> placed, IReadOnlyList<FinalOrder> all, int retries)
    {
        var byId = all.ToDictionary(order => order.Id);
        var missing = placed.Where(order => !byId.ContainsKey(order.Id)).Select(order => order.Id).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"{missing.Count} accepted order(s) are not in the order list, e.g. {missing[0]}.");
        }

        var joined = placed.Select(order => (Placed: order, Final: byId[order.Id])).OrderBy(pair => pair.Placed.PostStart).ToList();
        var latencies = joined.Select(pair => (pair.Final.UpdatedAt - pair.Placed.PostStart).TotalMilliseconds).ToList();
        var firstStart = joined.Min(pair => pair.Placed.PostStart);
        var lastFinal = joined.Max(pair => pair.Final.UpdatedAt);
        var lastAccept = joined.Max(pair => pair.Placed.PostStart.AddMilliseconds(pair.Placed.AcceptMs));
        var tenth = Math.Max(1, joined.Count / 10);
        return new RunResult(
            joined.Count,
            joined.Count(pair => pair.Final.Status == "Confirmed"),
            joined.Count(pair => pair.Final.Status == "Cancelled"),
            joined.Count(pair => pair.Final.Status is not ("Confirmed" or "Cancelled")),
            joined.Where(pair => pair.Final.Status == "Cancelled")
                .GroupBy(pair => pair.Final.Reason ?? "(none)", StringComparer.Ordinal)
                .ToDictionary(group => group.Key, group => group.Count(), StringComparer.Ordinal),
            Percentiles.Of(latencies),
            Percentiles.Of(joined.Select(pair => pair.Placed.AcceptMs)),
            joined.Count / (lastFinal - firstStart).TotalSeconds,
            joined.Count / (lastAccept - firstStart).TotalSeconds,
            joined.Count(pair => pair.Final.UpdatedAt > lastAccept),
            Percentiles.Of(latencies.Take(tenth)).P50,
            Percentiles.Of(latencies.TakeLast(tenth)).P50,
            retries,
            joined.Count(pair => pair.Placed.Attempts > 1),
            [.. joined.Select(pair => pair.Placed.Id)]);
    }
}
