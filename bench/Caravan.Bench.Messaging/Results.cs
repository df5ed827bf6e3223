using System.Text.Json;

namespace Caravan.Bench.Messaging;

/// <summary>Percentiles of a set of durations, in nanoseconds (nearest rank).</summary>
internal sealed record Percentiles(long P50Ns, long P90Ns, long P99Ns, long MaxNs, double MeanNs)
{
    public static Percentiles Of(long[] values)
    {
        if (values.Length == 0)
        {
            return new Percentiles(0, 0, 0, 0, 0);
        }

        var sorted = (long[])values.Clone();
        Array.Sort(sorted);
        return new Percentiles(Rank(sorted, 0.50), Rank(sorted, 0.90), Rank(sorted, 0.99), sorted[^1], sorted.Average());
    }

    private static long Rank(long[] sorted, double quantile)
    {
        var rank = (int)Math.Ceiling(quantile * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>What a producer process reports.</summary>
internal sealed record ProducerResult(
    int Messages,
    long FirstSendNs,
    long LastSendNs,
    Percentiles SendCall,
    double CpuMs,
    Dictionary<string, OperationStats>? Profile,
    double JitMs = 0);

/// <summary>What a consumer process reports.</summary>
internal sealed record ConsumerResult(
    int Messages,
    long FirstConsumedNs,
    long LastConsumedNs,
    Percentiles Latency,
    int Duplicates,
    double CpuMs,
    long Batches,
    long EmptyPolls,
    Dictionary<string, OperationStats>? Profile,
    double JitMs = 0);

/// <summary>Count, total time and items of one kind of call, collected with <c>--profile</c>.</summary>
internal sealed record OperationStats(long Calls, long TotalNs, long Items);

internal static class ResultFile
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static void Write<T>(string path, T result) => File.WriteAllText(path, JsonSerializer.Serialize(result, Json));

    public static T Read<T>(string path) =>
        JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json)
        ?? throw new InvalidOperationException($"{path} holds no result.");
}
