using System.Diagnostics;

namespace Caravan.Testing;

/// <summary>
/// Runs the repository's <c>eng/</c> scripts (postgres.sh, rabbitmq.sh: the ones CI and developers use) from the
/// checkout the tests were built in, with extra environment, and returns what they print.
/// </summary>
public static class EngScripts
{
    /// <summary>How long a script may run unless the caller says otherwise.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The folder with <c>Caravan.slnx</c> above the test binaries.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>
    /// Runs <c>eng/{script} {arguments}</c>; returns its standard output, trimmed. Throws with the exit code and
    /// everything it printed when it fails, and kills it and throws a <see cref="TimeoutException"/> when it runs longer than <paramref name="timeout"/>.
    /// </summary>
    public static async Task<string> RunAsync(string script, IReadOnlyDictionary<string, string>? environment, TimeSpan? timeout, params string[] arguments)
    {
        var (exitCode, output, error) = await RunCoreAsync(script, environment, timeout, arguments);
        return exitCode == 0
            ? output
            : throw new InvalidOperationException($"{Describe(script, arguments)} exited with {exitCode}: {error}{output}");
    }

    /// <summary><see cref="RunAsync(string, IReadOnlyDictionary{string, string}?, TimeSpan?, string[])"/> with no extra environment and the default timeout.</summary>
    public static Task<string> RunAsync(string script, params string[] arguments) => RunAsync(script, null, null, arguments);

    /// <summary>Like <see cref="RunAsync(string, IReadOnlyDictionary{string, string}?, TimeSpan?, string[])"/>, but null when the script exits with an error (e.g. <c>status</c> of a stopped server).</summary>
    public static async Task<string?> TryRunAsync(string script, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var (exitCode, output, _) = await RunCoreAsync(script, environment, null, arguments);
        return exitCode == 0 ? output : null;
    }

    /// <summary>The last line of a script's output: <c>start</c> and <c>status</c> print the server's connection string last.</summary>
    public static string LastLine(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return output.Split('\n')[^1].Trim();
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunCoreAsync(
        string script, IReadOnlyDictionary<string, string>? environment, TimeSpan? timeout, string[] arguments)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot, "eng", script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var limit = timeout ?? DefaultTimeout;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        using var deadline = new CancellationTokenSource(limit);
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Describe(script, arguments)} did not finish within {limit}.");
        }

        return (process.ExitCode, (await output).Trim(), await error);
    }

    private static string Describe(string script, string[] arguments) => $"eng/{script} {string.Join(' ', arguments)}";

    private static string FindRepositoryRoot()
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
