using System.Globalization;

namespace Caravan.Bench.Distributed;

/// <summary>Command-line settings; every side of one invocation runs with the same ones.</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        usage: dotnet run -c Release --project bench/Caravan.Bench.Distributed -- [options]
          --messages N       measured messages per side (default 20000)
          --warmup N         warm-up messages per round, not measured (default 2000); rounds repeat until rounds in
                             a row covering --jit-quiet-seconds each compiled at most --jit-settled-methods methods
                             in at most --jit-settled of the round's time
          --jit-settled F    share of a warm-up round's wall time spent compiling that counts as settled (default 0.02)
          --jit-settled-methods N  methods a warm-up round may compile and count as quiet (default 20)
          --jit-quiet-seconds S  wall time of quiet warm-up rounds in a row that counts as settled (default 2)
          --max-warmup-rounds N  at most this many warm-up rounds per side and run (default 80)
          --producers N      concurrent producer tasks, each one transaction per message (default 8)
          --consumers N      messages handled at once by the consumer (default 8)
          --prefetch N       unacknowledged messages a consumer may hold (default 64)
          --body N           payload characters per message (default 200)
          --rate N           paced: N messages/s in all (latency at a load every side carries); default: as fast as they go
          --sides LIST       comma-separated: raw,caravan,wolverine,masstransit (default all four)
          --runs N           rounds of all sides, alternating (default 1)
          --rabbitmq URI     AMQP URI (default $CARAVAN_RABBITMQ or amqp://guest:guest@127.0.0.1:35672/)
          --postgres CS      PostgreSQL server connection string without database
                             (default $CARAVAN_POSTGRES or Host=127.0.0.1;Port=55432;Username=postgres)
          --timeout SECONDS  the longest one phase may take (default 600)
        """;

    public static readonly string[] AllSides = ["raw", "caravan", "wolverine", "masstransit"];

    public int Messages { get; private set; } = 20_000;

    public int Warmup { get; private set; } = 2_000;

    public double JitSettled { get; private set; } = 0.02;

    public int MaxWarmupRounds { get; private set; } = 80;

    public int JitSettledMethods { get; private set; } = 20;

    public double JitQuietSeconds { get; private set; } = 2;

    public int Producers { get; private set; } = 8;

    public int Consumers { get; private set; } = 8;

    public int Prefetch { get; private set; } = 64;

    public int BodyChars { get; private set; } = 200;

    public IReadOnlyList<string> Sides { get; private set; } = AllSides;

    public int Runs { get; private set; } = 1;

    public string RabbitMq { get; private set; } =
        Environment.GetEnvironmentVariable("CARAVAN_RABBITMQ") ?? "amqp://guest:guest@127.0.0.1:35672/";

    public string Postgres { get; private set; } =
        Environment.GetEnvironmentVariable("CARAVAN_POSTGRES") ?? "Host=127.0.0.1;Port=55432;Username=postgres";

    public TimeSpan Timeout { get; private set; } = TimeSpan.FromMinutes(10);

    public int? Rate { get; init; }

    public bool Help { get; private set; }

    /// <summary>The command line as given, passed on to the process that runs one side.</summary>
    public IReadOnlyList<string> Arguments { get; private set; } = [];

    /// <summary>Set in a child process that runs one side for one round (<c>--run-side NAME RUN RUNID</c>, internal).</summary>
    public (string Side, int Run, string RunId)? RunSide { get; private set; }

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions { Arguments = args.ToList() };
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                options.Help = true;
                continue;
            }

            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{name} needs a value.");
            }

            if (name == "--run-side")
            {
                if (i + 3 >= args.Count)
                {
                    throw new ArgumentException("--run-side takes a side, a round and a run id.");
                }

                options.RunSide = (args[i + 1], Positive(name, args[i + 2]), args[i + 3]);
                i += 3;
                continue;
            }

            var value = args[++i];
            switch (name)
            {
                case "--messages": options.Messages = Positive(name, value); break;
                case "--warmup": options.Warmup = Positive(name, value); break;
                case "--jit-settled":
                    options.JitSettled = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var settled) && settled is > 0 and < 1
                        ? settled
                        : throw new ArgumentException($"--jit-settled takes a share between 0 and 1, not '{value}'.");
                    break;
                case "--max-warmup-rounds": options.MaxWarmupRounds = Positive(name, value); break;
                case "--jit-settled-methods": options.JitSettledMethods = NonNegative(name, value); break;
                case "--jit-quiet-seconds":
                    options.JitQuietSeconds = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
                        ? seconds
                        : throw new ArgumentException($"--jit-quiet-seconds takes a number of seconds (0 or more), not '{value}'.");
                    break;
                case "--producers": options.Producers = Positive(name, value); break;
                case "--consumers": options.Consumers = Positive(name, value); break;
                case "--prefetch": options.Prefetch = Positive(name, value); break;
                case "--body": options.BodyChars = Positive(name, value); break;
                case "--rate": options = options with { Rate = Positive(name, value) }; break;
                case "--runs": options.Runs = Positive(name, value); break;
                case "--rabbitmq": options.RabbitMq = value; break;
                case "--postgres": options.Postgres = value; break;
                case "--timeout": options.Timeout = TimeSpan.FromSeconds(Positive(name, value)); break;
                case "--sides":
                    var sides = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (sides.Length == 0 || sides.Any(side => !AllSides.Contains(side)))
                    {
                        throw new ArgumentException($"--sides takes a list of {string.Join(", ", AllSides)}.");
                    }

                    options.Sides = sides;
                    break;
                default: throw new ArgumentException($"Unknown option {name}.");
            }
        }

        if (options.Prefetch < options.Consumers)
        {
            throw new ArgumentException("--prefetch must be at least --consumers.");
        }

        return options;
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : throw new ArgumentException($"{name} takes a positive whole number, not '{value}'.");

    private static int NonNegative(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new ArgumentException($"{name} takes a whole number (0 or more), not '{value}'.");
}
