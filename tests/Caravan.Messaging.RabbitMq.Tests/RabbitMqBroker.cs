using System.Diagnostics;

namespace Caravan.Messaging.RabbitMq.Tests;

/// <summary>
/// The real broker every test here runs against: the shared one (<see cref="SharedRabbitMq"/>: CARAVAN_RABBITMQ, which
/// eng/test.sh exports, else eng/rabbitmq.sh's broker, started here when it is not running). A broker that cannot
/// be reached fails the tests: none is skipped.
/// </summary>
public class RabbitMqBroker : IAsyncLifetime
{
    private IAsyncDisposable? _server;

    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>A topology prefix no other test uses, so tests share the broker without seeing each other's queues.</summary>
    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..10];

    public virtual async Task InitializeAsync()
    {
        var shared = await SharedRabbitMq.ConnectAsync();
        Use(shared, shared.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>Keeps the broker this fixture runs against, and stops it (when it started it) on dispose.</summary>
    protected void Use(IAsyncDisposable server, string connectionString)
    {
        _server = server;
        ConnectionString = connectionString;
    }
}

/// <summary>
/// A broker of its own for tests that restart it (<see cref="PrivateRabbitMq"/>): a node with its own name, folder and
/// ports, started through eng/rabbitmq.sh and stopped at the end, so restarting it disturbs no other test's broker.
/// </summary>
public sealed class PrivateRabbitMqBroker : RabbitMqBroker
{
    private PrivateRabbitMq? _node;

    public override async Task InitializeAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "caravan-rabbitmq-" + Guid.NewGuid().ToString("N")[..8]);
        _node = await PrivateRabbitMq.StartAsync("faults" + Guid.NewGuid().ToString("N")[..6], folder);
        Use(_node, _node.ConnectionString);
    }

    /// <summary>Stops the broker and starts it again with its data (eng/rabbitmq.sh restart).</summary>
    public Task RestartAsync() => Node.RestartAsync();

    /// <summary>
    /// SIGSTOPs the broker's Erlang VM until the returned object is disposed (SIGCONT): connections stay open and new
    /// ones are accepted by the kernel, but nothing is answered, no confirm, no handshake, no heartbeat.
    /// </summary>
    public IDisposable Freeze()
    {
        var pid = int.Parse(File.ReadAllText(Path.Combine(Node.Folder, "rabbitmq.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Signal(pid, "STOP");
        var thaw = new Thaw(pid);
        try
        {
            // Stopped ('T' in /proc/<pid>/stat) before the test goes on; a signal is delivered asynchronously.
            var deadline = Stopwatch.StartNew();
            while (State(pid) != 'T')
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(10))
                {
                    throw new InvalidOperationException($"The broker (pid {pid}) is still in state {State(pid)} after SIGSTOP.");
                }

                Thread.Yield();
            }
        }
        catch
        {
            thaw.Dispose();
            throw;
        }

        return thaw;
    }

    /// <summary>The process state letter from /proc/&lt;pid&gt;/stat (R, S, T, …).</summary>
    private static char State(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[stat.LastIndexOf(')') + 2];
    }

    private PrivateRabbitMq Node => _node ?? throw new InvalidOperationException("Not initialised.");

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {pid} failed with exit code {kill.ExitCode}.");
        }
    }

    private sealed class Thaw(int pid) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                Signal(pid, "CONT");
            }
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
