using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace Caravan.AppHost.Distributed;

/// <summary>
/// Runs one of the repository's server scripts (<c>eng/postgres.sh</c>, <c>eng/rabbitmq.sh</c>) the way a
/// developer would, and returns the last line it printed (for <c>start</c>, the connection string). Its progress lines
/// (stderr: "installing postgresql with apt", "starting node …") go to the console as they come.
/// </summary>
internal sealed class EngScript(string repositoryRoot, string name)
{
    /// <summary>Installing a server with apt on a fresh machine takes a while; anything longer is stuck.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    public string Name => name;

    /// <summary>
    /// Runs <c>eng/{name} {command}</c>. The scripts' settings (<c>CARAVAN_POSTGRES_PORT</c>,
    /// <c>CARAVAN_RABBITMQ_DIR</c>, …) are environment variables; the ones in <paramref name="configuration"/>
    /// (an environment variable of the app host, or <c>--CARAVAN_POSTGRES_PORT=…</c> on its command line) are
    /// passed on, the way <c>CARAVAN_HTTP_PORT</c> reaches the gateway.
    /// </summary>
    /// <returns>The last line of the script's output, or all of it when <paramref name="lastLineOnly"/> is false.</returns>
    public async Task<string> RunAsync(string command, IConfiguration configuration, bool lastLineOnly = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = repositoryRoot,
        };
        start.ArgumentList.Add(Path.Combine(repositoryRoot, "eng", name));
        start.ArgumentList.Add(command);
        foreach (var (key, value) in configuration.AsEnumerable())
        {
            if (value is not null && key.StartsWith("CARAVAN_", StringComparison.Ordinal) && !key.Contains(':', StringComparison.Ordinal))
            {
                start.Environment[key] = value;
            }
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start bash for eng/{name}.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var progress = ForwardAsync(process.StandardError, timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"eng/{name} {command} did not finish within {Timeout.TotalMinutes:0} minutes.");
        }

        var errors = await progress.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"eng/{name} {command} failed with exit code {process.ExitCode}: {errors.Trim()}");
        }

        var printed = (await output.ConfigureAwait(false)).Trim();
        return lastLineOnly ? printed.Split('\n')[^1].Trim() : printed;
    }

    /// <summary>Echoes the script's progress to the console and keeps the last lines for an error message.</summary>
    private static async Task<string> ForwardAsync(StreamReader errors, CancellationToken cancellationToken)
    {
        var last = new Queue<string>();
        while (await errors.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            await Console.Error.WriteLineAsync(line).ConfigureAwait(false);
            last.Enqueue(line);
            if (last.Count > 20)
            {
                last.Dequeue();
            }
        }

        return string.Join(Environment.NewLine, last);
    }
}
