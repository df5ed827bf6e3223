using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace Caravan.Bench.Messaging;

/// <summary>
/// This benchmark started again as a child process (<c>dotnet &lt;this dll&gt; --role …</c>), with a
/// line protocol on its standard input and output. Its standard error is passed through, prefixed.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _name;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

    private ChildProcess(Process process, string name)
    {
        _process = process;
        _name = name;
    }

    public static ChildProcess Start(string name, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var child = new ChildProcess(process, name);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._lines.Writer.TryComplete();
            }
            else
            {
                child._lines.Writer.TryWrite(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine($"[{name}] {e.Data}");
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public async Task WaitForAsync(string expected, TimeSpan timeout) =>
        await ReadUntilAsync(line => string.Equals(line, expected, StringComparison.Ordinal), expected, timeout);

    /// <summary>Waits for a line "<paramref name="word"/> value" and returns the value.</summary>
    public async Task<double> WaitForValueAsync(string word, TimeSpan timeout)
    {
        var prefix = word + " ";
        var line = await ReadUntilAsync(line => line.StartsWith(prefix, StringComparison.Ordinal), word, timeout);
        return double.Parse(line.AsSpan(prefix.Length), NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private async Task<string> ReadUntilAsync(Func<string, bool> match, string expected, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            string line;
            try
            {
                line = await _lines.Reader.ReadAsync(deadline.Token);
            }
            catch (ChannelClosedException)
            {
                await _process.WaitForExitAsync(CancellationToken.None);
                throw new InvalidOperationException($"{_name} exited with code {_process.ExitCode} before saying {expected}.");
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{_name} did not say {expected} within {timeout}.");
            }

            if (match(line))
            {
                return line;
            }

            Console.Error.WriteLine($"[{_name}] {line}");
        }
    }

    public async Task TellAsync(string order)
    {
        await _process.StandardInput.WriteLineAsync(order);
        await _process.StandardInput.FlushAsync();
    }

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{_name} did not exit within {timeout}.");
        }

        if (_process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{_name} exited with code {_process.ExitCode}.");
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited in the meantime.
        }

        _process.Dispose();
    }

    /// <summary>The dotnet host that runs this process, so that children run on the same runtime.</summary>
    private static string DotnetHost()
    {
        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return current;
        }

        // Started through the apphost (dotnet run does that): the host sits three levels above the runtime folder.
        var runtime = RuntimeEnvironment.GetRuntimeDirectory();
        var root = Path.GetFullPath(Path.Combine(runtime, "..", "..", ".."));
        var host = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(host) ? host : "dotnet";
    }
}
