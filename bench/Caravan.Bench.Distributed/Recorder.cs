using System.Diagnostics;

namespace Caravan.Bench.Distributed;

/// <summary>
/// The message every side moves: <see cref="Id"/> is the producer's own id (the peers' idempotency key),
/// <see cref="CreatedAt"/> a <see cref="Stopwatch"/> timestamp taken before the producer's transaction began.
/// Sequence numbers below the recorder's warm-up capacity are warm-up messages.
/// </summary>
public sealed record BenchMessage(Guid Id, int Seq, long CreatedAt, string Payload);

/// <summary>
/// Notes each handled message once (a repeat is counted, not measured): a warm-up round completes when every
/// warm-up message produced so far was handled, the run when every measured one was; latency is created → handled.
/// </summary>
public sealed class Recorder
{
    private readonly int _warmup;
    private readonly int _measured;
    private readonly long[] _latencies;
    private readonly int[] _seen;
    private int _warmHandled;
    private int _warmTarget = int.MaxValue;
    private TaskCompletionSource _warm = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _measuredHandled;
    private int _duplicates;
    private long _lastHandledAt;

    /// <param name="warmup">Capacity for warm-up messages: sequence numbers 0 … warmup − 1; measured ones follow.</param>
    /// <param name="measured">Measured messages.</param>
    public Recorder(int warmup, int measured)
    {
        _warmup = warmup;
        _measured = measured;
        _latencies = new long[measured];
        _seen = new int[warmup + measured];
    }

    /// <summary>Completes when <paramref name="total"/> warm-up messages in all were handled; call before producing them.</summary>
    public Task WarmedUpTo(int total)
    {
        var warm = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _warm, warm);
        Volatile.Write(ref _warmTarget, total);
        if (Volatile.Read(ref _warmHandled) >= total)
        {
            warm.TrySetResult();
        }

        return warm.Task;
    }

    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Duplicates => Volatile.Read(ref _duplicates);

    public long LastHandledAt => Interlocked.Read(ref _lastHandledAt);

    public int Handled => Volatile.Read(ref _warmHandled) + Volatile.Read(ref _measuredHandled);

    public void Record(BenchMessage message)
    {
        var now = Stopwatch.GetTimestamp();
        if (Interlocked.Exchange(ref _seen[message.Seq], 1) == 1)
        {
            Interlocked.Increment(ref _duplicates);
            return;
        }

        if (message.Seq < _warmup)
        {
            if (Interlocked.Increment(ref _warmHandled) >= Volatile.Read(ref _warmTarget))
            {
                Volatile.Read(ref _warm).TrySetResult();
            }

            return;
        }

        _latencies[message.Seq - _warmup] = now - message.CreatedAt;
        long last;
        do
        {
            last = Interlocked.Read(ref _lastHandledAt);
        }
        while (now > last && Interlocked.CompareExchange(ref _lastHandledAt, now, last) != last);

        if (Interlocked.Increment(ref _measuredHandled) == _measured)
        {
            Done.TrySetResult();
        }
    }

    /// <summary>p50 and p99 of the measured latencies, in milliseconds.</summary>
    public (double P50, double P99) Percentiles()
    {
        var sorted = _latencies.ToArray();
        Array.Sort(sorted);
        return (Milliseconds(sorted[(int)(sorted.Length * 0.50)]), Milliseconds(sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * 0.99))]));
    }

    public static double Milliseconds(long stopwatchTicks) => stopwatchTicks * 1000.0 / Stopwatch.Frequency;
}
