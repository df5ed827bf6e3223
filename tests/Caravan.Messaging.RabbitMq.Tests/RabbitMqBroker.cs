using System.Diagnostics;

namespace Caravan.Messaging.RabbitMq.Tests;

/// <summary>
/// The real broker every test here runs against. eng/test.sh starts it with eng/rabbitmq.sh and exports
/// CARAVAN_RABBITMQ; without that variable the fixture uses the script's broker if it runs, or starts it (and
/// then stops it at the end), so a plain `dotnet test` works too. A broker that cannot be reached fails the
/// tests: none is skipped.
/// </summary>
public sealed class RabbitMqBroker : IAsyncLifetime
{
    private bool _startedHere;

    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>A topology prefix no other test uses, so tests share the broker without seeing each other's queues.</summary>
    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..10];

    public async Task InitializeAsync()
    {
        var configured = Environment.GetEnvironmentVariable("CARAVAN_RABBITMQ");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            ConnectionString = configured;
            return;
        }

        var (running, url) = await RunScriptAsync("status", mayFail: true);
        if (running)
        {
            ConnectionString = url;
            return;
        }

        (_, ConnectionString) = await RunScriptAsync("start");
        _startedHere = true;
    }

    public async Task DisposeAsync()
    {
        if (_startedHere)
        {
            await RunScriptAsync("stop");
        }
    }

    /// <summary>Stops the broker and starts it again with its data (eng/rabbitmq.sh restart).</summary>
    public async Task RestartAsync() => await RunScriptAsync("restart");

    private static async Task<(bool Succeeded, string Output)> RunScriptAsync(string command, bool mayFail = false)
    {
        var script = Path.Combine(FindRepositoryRoot(), "eng", "rabbitmq.sh");
        using var process = Process.Start(new ProcessStartInfo("bash", [script, command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("Could not start bash.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0 && !mayFail)
        {
            throw new InvalidOperationException($"eng/rabbitmq.sh {command} failed ({process.ExitCode}): {await errors}");
        }

        return (process.ExitCode == 0, (await output).Trim().Split('\n').LastOrDefault()?.Trim() ?? string.Empty);
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Caravan.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Caravan.slnx not found above " + AppContext.BaseDirectory);
    }
}

[CollectionDefinition(Name)]
public sealed class RabbitMqCollection : ICollectionFixture<RabbitMqBroker>
{
    // One broker for all; the classes run one after another, since some restart the broker.
    public const string Name = "RabbitMQ";
}
