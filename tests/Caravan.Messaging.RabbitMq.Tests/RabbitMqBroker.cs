using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Caravan.Messaging.RabbitMq.Tests;

/// <summary>
/// The real broker every test here runs against. eng/test.sh starts it with eng/rabbitmq.sh and exports
/// CARAVAN_RABBITMQ; without that variable the fixture uses the script's broker if it runs, or starts it (and
/// then stops it at the end), so a plain `dotnet test` works too. A broker that cannot be reached fails the
/// tests: none is skipped.
/// </summary>
public class RabbitMqBroker : IAsyncLifetime
{
    private bool _startedHere;

    /// <summary>Settings for eng/rabbitmq.sh (port, folder, node name); empty for the shared broker.</summary>
    protected Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public string ConnectionString { get; protected set; } = string.Empty;

    /// <summary>A topology prefix no other test uses, so tests share the broker without seeing each other's queues.</summary>
    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..10];

    public virtual async Task InitializeAsync()
    {
        var configured = System.Environment.GetEnvironmentVariable("CARAVAN_RABBITMQ");
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

    public virtual async Task DisposeAsync()
    {
        if (_startedHere)
        {
            await RunScriptAsync("stop");
        }
    }

    /// <summary>Stops the broker and starts it again with its data (eng/rabbitmq.sh restart).</summary>
    public async Task RestartAsync() => await RunScriptAsync("restart");

    protected async Task<(bool Succeeded, string Output)> RunScriptAsync(string command, bool mayFail = false)
    {
        var script = Path.Combine(FindRepositoryRoot(), "eng", "rabbitmq.sh");
        var start = new ProcessStartInfo("bash", [script, command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in Environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start bash.");
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

/// <summary>
/// A broker of its own for tests that restart it: a node with its own name, folder and ports (below the kernel's
/// ephemeral range, so no outgoing connection takes them while it restarts), started through eng/rabbitmq.sh
/// and stopped at the end, so restarting it disturbs no other test's broker.
/// </summary>
public sealed class PrivateRabbitMqBroker : RabbitMqBroker
{
    // eng/rabbitmq.sh uses the AMQP port and the next 20 (distribution, epmd, CLI tools).
    private const int PortsUsed = 21;

    public override async Task InitializeAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "caravan-rabbitmq-" + Guid.NewGuid().ToString("N")[..8]);
        Environment["CARAVAN_RABBITMQ_DIR"] = folder;
        Environment["CARAVAN_RABBITMQ_NODE"] = "faults" + Guid.NewGuid().ToString("N")[..6];
        for (var attempt = 1; ; attempt++)
        {
            Environment["CARAVAN_RABBITMQ_PORT"] = FreePorts().ToString(CultureInfo.InvariantCulture);
            try
            {
                (_, var url) = await RunScriptAsync("start");
                ConnectionString = url;
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // A port was taken between the check and the node's start: clean up and try others.
                await RunScriptAsync("stop", mayFail: true);
            }
        }
    }

    public override async Task DisposeAsync() => await RunScriptAsync("stop", mayFail: true);

    private static int FreePorts()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var first = Random.Shared.Next(20_000, 32_000 - PortsUsed);
            if (Enumerable.Range(first, PortsUsed).All(IsFree))
            {
                return first;
            }
        }

        throw new InvalidOperationException("No run of free loopback ports found for a private RabbitMQ node.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

[CollectionDefinition(Name)]
public sealed class RabbitMqCollection : ICollectionFixture<RabbitMqBroker>
{
    // One broker for all the tests that only use it.
    public const string Name = "RabbitMQ";
}

[CollectionDefinition(Name)]
public sealed class PrivateRabbitMqCollection : ICollectionFixture<PrivateRabbitMqBroker>
{
    // The tests that restart their broker, on a node of their own.
    public const string Name = "Private RabbitMQ";
}
