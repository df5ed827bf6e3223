using System.Diagnostics;

namespace Caravan.Services.Tests;

/// <summary>Runs the repository's <c>eng/</c> server scripts (postgres.sh, rabbitmq.sh) and returns the last line they print.</summary>
internal static class EngScript
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>Runs <c>eng/<paramref name="script"/> <paramref name="command"/></c>; null when it fails and <paramref name="mayFail"/>.</summary>
    public static async Task<string?> RunAsync(string script, string command, bool mayFail = false)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot(), "eng", script));
        start.ArgumentList.Add(command);
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
            throw new TimeoutException($"eng/{script} {command} did not finish within {Timeout}.");
        }

        if (process.ExitCode != 0)
        {
            return mayFail ? null : throw new InvalidOperationException($"eng/{script} {command} exited with {process.ExitCode}: {await error}");
        }

        return (await output).Trim().Split('\n')[^1].Trim();
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

        throw new InvalidOperationException("The repository root (Caravan.slnx) was not found above the test binaries.");
    }
}
