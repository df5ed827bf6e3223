using System.Diagnostics;

namespace Caravan.Storage.Tests;

/// <summary>Runs <c>eng/postgres.sh</c>, the same script CI and developers use, from the repository this test was built in.</summary>
public static class PostgresScript
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>Runs a subcommand with extra environment; returns its standard output; throws when it fails.</summary>
    public static async Task<string> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot(), "eng", "postgres.sh"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        using var timeout = new CancellationTokenSource(Timeout);
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"eng/postgres.sh {string.Join(' ', arguments)} did not finish within {Timeout}.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"eng/postgres.sh {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error}{await output}");
        }

        return (await output).Trim();
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Caravan.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Caravan.slnx above {AppContext.BaseDirectory}.");
    }
}
