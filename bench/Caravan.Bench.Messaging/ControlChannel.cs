namespace Caravan.Bench.Messaging;

/// <summary>
/// How a child process talks to the orchestrator: it reports progress as lines on standard output
/// (READY, WARM, SENT, DONE) and takes orders as lines on standard input (WARMUP, GO, STOP).
/// JIT and WARM lines carry the process's JIT compile time so far, in ms ("JIT 812.5"): the
/// consumer says JIT after READY and WARM at the end of every warm-up round; the producer answers
/// the order JIT with it. Everything else a child has to say goes to standard error.
/// </summary>
internal static class ControlChannel
{
    public const string Ready = "READY";
    public const string Warm = "WARM";
    public const string Sent = "SENT";
    public const string Done = "DONE";
    public const string WarmUp = "WARMUP";
    public const string Go = "GO";
    public const string Stop = "STOP";
    public const string Jit = "JIT";

    public static void Say(string line)
    {
        Console.Out.WriteLine(line);
        Console.Out.Flush();
    }

    /// <summary>Says <paramref name="word"/> followed by this process's JIT compile time so far.</summary>
    public static double SayWithJit(string word)
    {
        var jit = BenchClock.JitMs();
        Say(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{word} {jit:0.###}"));
        return jit;
    }

    /// <summary>Reads the next order; end of input counts as <see cref="Stop"/> (the orchestrator is gone).</summary>
    public static async Task<string> NextOrderAsync() => await Console.In.ReadLineAsync() ?? Stop;

    public static async Task ExpectAsync(string order)
    {
        var line = await NextOrderAsync();
        if (!string.Equals(line, order, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Expected {order} from the orchestrator, got '{line}'.");
        }
    }
}
