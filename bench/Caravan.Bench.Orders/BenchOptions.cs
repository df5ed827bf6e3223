using System.Globalization;

namespace Caravan.Bench.Orders;

/// <summary>Command-line settings of the order-system benchmark.</summary>
internal sealed class BenchOptions
{
    public const string Usage = """
        Caravan.Bench.Orders: orders/s and p50/p99 time from POST /api/v1/orders to a final state, through
        the gateway of the one-command run (the app host on the embedded default), and the messaging
        ceiling (bench/Caravan.Bench.Messaging --sides ceiling) measured in the same run.

        dotnet run -c Release --project bench/Caravan.Bench.Orders -- [options]

          --orders N          measured orders (default 2000)
          --concurrency C     closed-loop clients posting orders (default 16)
          --warmup W          warm-up orders, placed and finished before the measured run (default 100)
          --port P            the gateway's port (default: a free one)
          --set KEY=VALUE     an app host setting, passed as --KEY=VALUE (repeatable), e.g.
                              --set Caravan:Payments:Latency=00:00:00.050
          --env NAME=VALUE    an environment variable for the app host, which every process it starts
                              inherits (repeatable), e.g. --env OTEL_SDK_DISABLED=true
          --ceiling-runs N    runs of the messaging ceiling (default 3; 0 skips it)
          --timeout S         seconds the start (with its build) and the wait for final states may each take (default 600)
          --keep              keep the data directory and the app host's log
        """;

    public int Orders { get; private set; } = 2000;

    public int Concurrency { get; private set; } = 16;

    public int Warmup { get; private set; } = 100;

    public int? Port { get; private set; }

    /// <summary>Extra app host settings, <c>key=value</c>.</summary>
    public List<string> Settings { get; } = [];

    /// <summary>Extra environment variables of the app host, <c>name=value</c>.</summary>
    public List<string> Environment { get; } = [];

    public int CeilingRuns { get; private set; } = 3;

    public int TimeoutSeconds { get; private set; } = 600;

    public bool Keep { get; private set; }

    public bool Help { get; private set; }

    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            int Int(int min, int max = int.MaxValue)
            {
                var text = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
                return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
                    ? value
                    : throw new ArgumentException($"{name} must be an integer from {min} to {max}, not '{text}'.");
            }

            string Pair()
            {
                var text = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs NAME=VALUE.");
                return text.IndexOf('=', StringComparison.Ordinal) > 0 ? text : throw new ArgumentException($"{name} needs NAME=VALUE, not '{text}'.");
            }

            switch (name)
            {
                case "--orders": options.Orders = Int(1); break;
                case "--concurrency": options.Concurrency = Int(1, 1024); break;
                case "--warmup": options.Warmup = Int(0); break;
                case "--port": options.Port = Int(1, 65535); break;
                case "--set": options.Settings.Add(Pair()); break;
                case "--env": options.Environment.Add(Pair()); break;
                case "--ceiling-runs": options.CeilingRuns = Int(0, 20); break;
                case "--timeout": options.TimeoutSeconds = Int(1); break;
                case "--keep": options.Keep = true; break;
                case "--help" or "-h" or "-?": options.Help = true; break;
                default: throw new ArgumentException($"Unknown option '{name}'.");
            }
        }

        return options;
    }
}
