using System.Diagnostics;
using System.Globalization;
using Caravan.AppHost.Distributed;
using Caravan.AppHost.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Caravan.EndToEnd.Tests.Distributed;

/// <summary>
/// A PostgreSQL server and a RabbitMQ node of the distributed tests' own, started with the repository's
/// scripts (<c>eng/postgres.sh</c>, <c>eng/rabbitmq.sh</c>) on ports, folders and a node name nobody else
/// uses, so tests may restart, freeze and kill them; the shared servers of other tests are never touched.
/// One pair serves the tests of a class, one test after another; each test keeps its data apart with
/// prefixes of its own (<see cref="NewRunPrefix"/>). Dispose stops both and deletes their folders.
/// </summary>
public sealed class PrivateServers : IAsyncLifetime
{
    private readonly TestDirectory _postgresDirectory = new("postgres");
    private readonly TestDirectory _rabbitMqDirectory = new("rabbitmq");
    private readonly EngScript _postgres = new(Repository.Root, "postgres.sh");
    private readonly EngScript _rabbitMq = new(Repository.Root, "rabbitmq.sh");
    private readonly IConfiguration _scriptSettings;
    private int? _frozenBroker;

    public PrivateServers()
    {
        var postgresPort = FreePort.Next();
        // The node listens on port, port + 1 (distribution) and port + 2 (epmd); its CLI tools use port + 10 … + 20.
        var rabbitMqPort = FreePort.NextBlock(21);
        Settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["CARAVAN_POSTGRES_PORT"] = postgresPort.ToString(CultureInfo.InvariantCulture),
            ["CARAVAN_POSTGRES_DIR"] = _postgresDirectory.Path,
            ["CARAVAN_RABBITMQ_PORT"] = rabbitMqPort.ToString(CultureInfo.InvariantCulture),
            ["CARAVAN_RABBITMQ_DIR"] = _rabbitMqDirectory.Path,
            ["CARAVAN_RABBITMQ_NODE"] = "e2e" + Guid.NewGuid().ToString("N")[..8],
        };
        _scriptSettings = new ConfigurationBuilder().AddInMemoryCollection(Settings!).Build();
    }

    /// <summary>The scripts' settings that make these servers private (ports, folders, node name).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    public string Postgres { get; private set; } = string.Empty;

    public string RabbitMq { get; private set; } = string.Empty;

    /// <summary>A prefix for one test run's databases and broker topology: letters and digits, unique.</summary>
    public static string NewRunPrefix() => "e2e" + Guid.NewGuid().ToString("N")[..10];

    public async Task InitializeAsync()
    {
        var postgres = _postgres.RunAsync("start", _scriptSettings);
        var rabbitMq = _rabbitMq.RunAsync("start", _scriptSettings);
        Postgres = await postgres;
        RabbitMq = await rabbitMq;
    }

    /// <summary><c>eng/rabbitmq.sh restart</c>: the node stops (every connection drops) and starts again with its data.</summary>
    public Task RestartRabbitMqAsync(CancellationToken cancellationToken = default) =>
        _rabbitMq.RunAsync("restart", _scriptSettings, cancellationToken: cancellationToken);

    /// <summary><c>eng/postgres.sh restart-immediate</c>: <c>pg_ctl restart -m immediate</c>, a crash-like restart.</summary>
    public Task RestartPostgresImmediatelyAsync(CancellationToken cancellationToken = default) =>
        _postgres.RunAsync("restart-immediate", _scriptSettings, cancellationToken: cancellationToken);

    /// <summary>SIGSTOPs the broker's Erlang VM: connections stay open, but nothing is answered (no confirms) until <see cref="ThawBroker"/>.</summary>
    public void FreezeBroker()
    {
        var pid = int.Parse(File.ReadAllText(Path.Combine(_rabbitMqDirectory.Path, "rabbitmq.pid")).Trim(), CultureInfo.InvariantCulture);
        Signal(pid, "STOP");
        _frozenBroker = pid;
    }

    /// <summary>SIGCONTs the broker frozen by <see cref="FreezeBroker"/> (nothing when it is not frozen).</summary>
    public void ThawBroker()
    {
        if (_frozenBroker is { } pid)
        {
            Signal(pid, "CONT");
            _frozenBroker = null;
        }
    }

    /// <summary>The broker's queues with their ready and unacknowledged counts (<c>eng/rabbitmq.sh queues</c>), for diagnostics.</summary>
    public Task<string> ListQueuesAsync() => _rabbitMq.RunAsync("queues", _scriptSettings, lastLineOnly: false);

    /// <summary>A connection string to one database of the private server.</summary>
    public string Database(string name) => new NpgsqlConnectionStringBuilder(Postgres) { Database = name, Pooling = false, Timeout = 5 }.ConnectionString;

    public async Task DisposeAsync()
    {
        ThawBroker();
        try
        {
            await _rabbitMq.RunAsync("stop", _scriptSettings);
        }
        finally
        {
            await _postgres.RunAsync("stop", _scriptSettings);
            _rabbitMqDirectory.Dispose();
            _postgresDirectory.Dispose();
        }
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {pid} failed with exit code {kill.ExitCode}.");
        }
    }
}
