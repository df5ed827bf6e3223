using System.Globalization;

namespace Caravan.Bench.Messaging;

/// <summary>The roles a process of the benchmark can play; without a role it orchestrates.</summary>
internal static class Roles
{
    public const string CeilingProducer = "ceiling-producer";
    public const string CeilingConsumer = "ceiling-consumer";
    public const string CaravanProducer = "caravan-producer";
    public const string CaravanConsumer = "caravan-consumer";
}

/// <summary>Command-line settings, shared by the orchestrator and the child processes it starts.</summary>
internal sealed class BenchOptions
{
    public const string Usage = """
        Caravan.Bench.Messaging: messages/s and p50/p99 latency between two processes, Caravan on the
        SQLite transport (outbox + inbox) against a raw SQLite queue (the ceiling), in one run.

        dotnet run -c Release --project bench/Caravan.Bench.Messaging -- [options]

          --messages N        measured messages per side and run (default 20000)
          --warmup N          warm-up messages per side and run, not measured, at least (default
                              20000); more rounds of N follow while the JIT has not settled
          --max-warmup-rounds N  at most N warm-up rounds of --warmup messages (default 15); a
                              run whose JIT had not settled by then is measured with a warning
          --jit-settled P     the JIT has settled when each process of the side compiled for at
                              most P % of the last round's wall time (default 2)
          --fixed-warmup      exactly one round of --warmup messages (as before the adaptive warm-up)
          --runs N            ceiling + Caravan pairs to run (default 5)
          --body N            message body size in bytes (default 256)
          --rate N            producers send N messages/s, evenly paced (default 0: full speed);
                              full speed measures throughput, a fixed rate below both sides'
                              throughput measures latency without a growing backlog
          --sides S           both | ceiling | caravan (default both)
          --concurrency N     Caravan consumer Concurrency (default: library default, 4)
          --prefetch N        Caravan consumer Prefetch (default: library default, 64)
          --relay-batch N     Caravan outbox relay BatchSize (default: library default, 200)
          --ceiling-batch N   rows the raw consumer deletes per transaction, at most (default 256)
          --ceiling-idle M    how the raw consumer waits on an empty queue: spin | sleep (default spin)
          --ceiling-lock M,…  how the raw processes wait for the write lock: wait (both in SQLite's
                              busy handler, as Caravan) | spin (neither: retry at once) |
                              producer-spin (the producer retries at once, the consumer waits in
                              the busy handler); with several, each run measures the ceiling once
                              per mode and keeps the best (default wait,producer-spin)
          --profile           time Caravan's store and transport calls (adds a little overhead)
          --keep              keep the temporary databases
          --timeout S         seconds any phase may take before the run is aborted (default 600)
        """;

    public string? Role { get; private set; }

    public int Messages { get; private set; } = 20_000;

    public int Warmup { get; private set; } = 20_000;

    public int Runs { get; private set; } = 5;

    /// <summary>Most warm-up rounds of <see cref="Warmup"/> messages each side gets per run.</summary>
    public int MaxWarmupRounds { get; private set; } = 15;

    /// <summary>A warm-up round is settled when each process's JIT time in it is at most this share (in %) of the round's wall time.</summary>
    public double JitSettledPercent { get; private set; } = 2;

    /// <summary>One warm-up round only, whatever the JIT does (the behaviour before the adaptive warm-up).</summary>
    public bool FixedWarmup { get; private set; }

    public int BodyBytes { get; private set; } = 256;

    public string Sides { get; private set; } = "both";

    public int? Concurrency { get; private set; }

    public int? Prefetch { get; private set; }

    public int? RelayBatch { get; private set; }

    public int CeilingBatch { get; private set; } = 256;

    /// <summary>Messages per second the producers send at; 0 is as fast as they can.</summary>
    public int Rate { get; private set; }

    public string CeilingIdle { get; private set; } = "spin";

    public string CeilingLock => CeilingLocks[0];

    /// <summary>The write-lock modes the ceiling is measured with in each run (the best one counts).</summary>
    public IReadOnlyList<string> CeilingLocks { get; private set; } = ["wait", "producer-spin"];

    public bool Profile { get; private set; }

    public bool Keep { get; private set; }

    public int TimeoutSeconds { get; private set; } = 600;

    public bool Help { get; private set; }

    /// <summary>The run folder (child processes only).</summary>
    public string Directory { get; private set; } = string.Empty;

    /// <summary>Where a child writes its result (child processes only).</summary>
    public string ResultPath { get; private set; } = string.Empty;

    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value()
            {
                if (i + 1 >= args.Length)
                {
                    throw new ArgumentException($"{name} needs a value.");
                }

                return args[++i];
            }

            int Int(int min)
            {
                var text = Value();
                if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min)
                {
                    throw new ArgumentException($"{name} must be an integer of at least {min}, not '{text}'.");
                }

                return value;
            }

            switch (name)
            {
                case "--role": options.Role = Value(); break;
                case "--dir": options.Directory = Value(); break;
                case "--result": options.ResultPath = Value(); break;
                case "--messages": options.Messages = Int(1); break;
                case "--warmup": options.Warmup = Int(0); break;
                case "--runs": options.Runs = Int(1); break;
                case "--max-warmup-rounds": options.MaxWarmupRounds = Int(1); break;
                case "--jit-settled":
                    var percent = Value();
                    options.JitSettledPercent = double.TryParse(percent, NumberStyles.Float, CultureInfo.InvariantCulture, out var share) && share >= 0
                        ? share
                        : throw new ArgumentException($"{name} must be a number of at least 0, not '{percent}'.");
                    break;
                case "--fixed-warmup": options.FixedWarmup = true; break;
                case "--body": options.BodyBytes = Int(64); break;
                case "--sides": options.Sides = OneOf(name, Value(), "both", "ceiling", "caravan"); break;
                case "--concurrency": options.Concurrency = Int(1); break;
                case "--prefetch": options.Prefetch = Int(1); break;
                case "--relay-batch": options.RelayBatch = Int(1); break;
                case "--ceiling-batch": options.CeilingBatch = Int(1); break;
                case "--rate": options.Rate = Int(0); break;
                case "--ceiling-idle": options.CeilingIdle = OneOf(name, Value(), "spin", "sleep"); break;
                case "--ceiling-lock":
                    options.CeilingLocks = [.. Value().Split(',').Select(mode => OneOf(name, mode, "wait", "spin", "producer-spin")).Distinct(StringComparer.Ordinal)];
                    break;
                case "--profile": options.Profile = true; break;
                case "--keep": options.Keep = true; break;
                case "--timeout": options.TimeoutSeconds = Int(1); break;
                case "--help" or "-h" or "-?": options.Help = true; break;
                default: throw new ArgumentException($"Unknown option '{name}'.");
            }
        }

        return options;
    }

    /// <summary>The arguments that make a child process play <paramref name="role"/> with these settings.</summary>
    public IReadOnlyList<string> ChildArguments(string role, string directory, string resultPath)
    {
        var args = new List<string>
        {
            "--role", role,
            "--dir", directory,
            "--result", resultPath,
            "--messages", Text(Messages),
            "--warmup", Text(Warmup),
            "--body", Text(BodyBytes),
            "--ceiling-batch", Text(CeilingBatch),
            "--ceiling-idle", CeilingIdle,
            "--ceiling-lock", CeilingLock,
            "--rate", Text(Rate),
            "--timeout", Text(TimeoutSeconds),
        };
        AddIfSet(args, "--concurrency", Concurrency);
        AddIfSet(args, "--prefetch", Prefetch);
        AddIfSet(args, "--relay-batch", RelayBatch);
        if (Profile)
        {
            args.Add("--profile");
        }

        return args;
    }

    /// <summary>These settings with the ceiling measured in one write-lock mode.</summary>
    public BenchOptions WithCeilingLock(string mode)
    {
        var copy = (BenchOptions)MemberwiseClone();
        copy.CeilingLocks = [mode];
        return copy;
    }

    /// <summary>The Caravan settings of this run, as printed in the report.</summary>
    public string CaravanSettings() => string.Create(
        CultureInfo.InvariantCulture,
        $"Concurrency={Concurrency?.ToString(CultureInfo.InvariantCulture) ?? "4 (default)"}, Prefetch={Prefetch?.ToString(CultureInfo.InvariantCulture) ?? "64 (default)"}, relay BatchSize={RelayBatch?.ToString(CultureInfo.InvariantCulture) ?? "200 (default)"}");

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static void AddIfSet(List<string> args, string name, int? value)
    {
        if (value is { } set)
        {
            args.Add(name);
            args.Add(Text(set));
        }
    }

    private static string OneOf(string name, string value, params string[] allowed) =>
        allowed.Contains(value, StringComparer.Ordinal)
            ? value
            : throw new ArgumentException($"{name} must be one of {string.Join(", ", allowed)}, not '{value}'.");
}
