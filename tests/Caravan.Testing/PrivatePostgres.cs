using System.Globalization;

namespace Caravan.Testing;

/// <summary>
/// A PostgreSQL server of a test's own, started, restarted and stopped through <c>eng/postgres.sh</c> on a free port
/// (CARAVAN_POSTGRES_PORT) with its data in a folder of its own (CARAVAN_POSTGRES_DIR), so that restarting it disturbs
/// no other test's connections. Dispose stops it.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly Dictionary<string, string> _environment;

    private PrivatePostgres(string folder)
    {
        _environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["CARAVAN_POSTGRES_PORT"] = FreePorts.Block(1).ToString(CultureInfo.InvariantCulture),
            ["CARAVAN_POSTGRES_DIR"] = folder,
        };
    }

    /// <summary>The server's connection string, without a database.</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>Starts a server with its data in <paramref name="folder"/> (<c>eng/postgres.sh start</c>).</summary>
    public static async Task<PrivatePostgres> StartAsync(string folder)
    {
        var server = new PrivatePostgres(folder);
        try
        {
            server.ConnectionString = EngScripts.LastLine(await server.RunAsync("start"));
            return server;
        }
        catch (Exception)
        {
            // Stops whatever half started before reporting the failure.
            await EngScripts.TryRunAsync("postgres.sh", server._environment, "stop");
            throw;
        }
    }

    /// <summary><c>eng/postgres.sh restart-immediate</c>: <c>pg_ctl restart -m immediate</c>, a crash-like restart (no checkpoint, recovery from the WAL).</summary>
    public async Task RestartImmediatelyAsync() => await RunAsync("restart-immediate");

    /// <summary>Stops the server for an outage (<c>eng/postgres.sh stop</c>); <see cref="StartAgainAsync"/> brings it back with its data.</summary>
    public async Task StopForAWhileAsync() => await RunAsync("stop");

    /// <summary>Starts the server again on its port and data after <see cref="StopForAWhileAsync"/>.</summary>
    public async Task StartAgainAsync() => await RunAsync("start");

    /// <summary>Stops the server (<c>eng/postgres.sh stop</c>); throws when the script fails.</summary>
    public async ValueTask DisposeAsync() => await RunAsync("stop");

    private Task<string> RunAsync(string command) => EngScripts.RunAsync("postgres.sh", _environment, null, command);
}
