using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Caravan.Bench.Orders;

/// <summary>
/// The raw SQLite queue ceiling of the messaging benchmark (docs/benchmarks.md, "The raw ceiling"), run
/// as its own command after the system has stopped, so that the two never share the machine. That
/// benchmark writes no machine-readable result; its per-run lines
/// (<c>run 1: raw SQLite ceiling    26,411 msg/s   p50 … ms   p99 … ms</c>) are parsed.
/// </summary>
internal static partial class MessagingCeiling
{
    public const int Messages = 20_000;

    public static IReadOnlyList<string> Command(int runs) =>
    [
        "dotnet", "run", "-c", "Release", "--project", "bench/Caravan.Bench.Messaging", "--",
        "--sides", "ceiling", "--runs", runs.ToString(CultureInfo.InvariantCulture),
        "--messages", Messages.ToString(CultureInfo.InvariantCulture), "--warmup", Messages.ToString(CultureInfo.InvariantCulture),
    ];

    /// <summary>Runs it, echoing its output, and returns the msg/s of each run.</summary>
    public static async Task<List<double>> RunAsync(string repositoryRoot, int runs, TimeSpan timeout)
    {
        var command = Command(runs);
        var start = new ProcessStartInfo(command[0])
        {
            WorkingDirectory = repositoryRoot,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        var results = new List<double>();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            Console.WriteLine("    | " + e.Data);
            if (RunLine().Match(e.Data) is { Success: true } match)
            {
                lock (results)
                {
                    results.Add(double.Parse(match.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture));
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.WriteLine("    ! " + e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using (var deadline = new CancellationTokenSource(timeout))
        {
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"The messaging ceiling did not finish within {timeout.TotalSeconds:0} s.");
            }
        }

        return process.ExitCode == 0 && results.Count == runs
            ? results
            : throw new InvalidOperationException($"The messaging ceiling exited with code {process.ExitCode} after {results.Count} of {runs} run(s).");
    }

    [GeneratedRegex(@"^run \d+: raw SQLite ceiling\s+([0-9,]+) msg/s")]
    private static partial Regex RunLine();
}
