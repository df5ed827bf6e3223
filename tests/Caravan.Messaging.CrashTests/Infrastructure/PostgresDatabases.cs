using System.Globalization;
using Caravan.Testing;
using Npgsql;

namespace Caravan.Messaging.CrashTests;

/// <summary>
/// Databases of this test's own on the shared PostgreSQL server (never restarted here): the one CARAVAN_POSTGRES
/// points at (eng/test.sh starts it), or the one <c>eng/postgres.sh start</c> runs (started here when it was not
/// running, and stopped again at the end). Databases are created by the processes that use them and dropped at the end.
/// </summary>
public sealed class PostgresDatabases : IAsyncDisposable
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(3);

    private readonly List<string> _databases = [];
    private bool _startedHere;

    private PostgresDatabases(string server) => Server = server;

    /// <summary>The server's connection string, without a database.</summary>
    public string Server { get; }

    public static async Task<PostgresDatabases> ConnectAsync()
    {
        var configured = Environment.GetEnvironmentVariable("CARAVAN_POSTGRES");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new PostgresDatabases(configured);
        }

        var exported = await EngScripts.RunAsync("postgres.sh", null, ScriptTimeout, "env");
        var before = exported[(exported.IndexOf('"', StringComparison.Ordinal) + 1)..^1];
        var running = await IsReachableAsync(before);
        var server = EngScripts.LastLine(await EngScripts.RunAsync("postgres.sh", null, ScriptTimeout, "start"));
        return new PostgresDatabases(server) { _startedHere = !running };
    }

    /// <summary>A connection string naming a database that does not exist yet (dropped at the end).</summary>
    public string NewDatabase(string name)
    {
        _databases.Add(name);
        return new NpgsqlConnectionStringBuilder(Server) { Database = name }.ConnectionString;
    }

    public static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = await OpenAsync(connectionString);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Rows of (seq, message id).</summary>
    public static async Task<List<(long Seq, string MessageId)>> PairsAsync(string connectionString, string sql)
    {
        await using var connection = await OpenAsync(connectionString);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(long, string)>();
        while (await reader.ReadAsync())
        {
            rows.Add((Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), reader.GetString(1)));
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await Task.WhenAll(_databases.Select(async name =>
        {
            await using var connection = await OpenAsync(new NpgsqlConnectionStringBuilder(Server) { Database = "postgres" }.ConnectionString);

            // Slow on a loaded machine (it waits for a checkpoint): well beyond the default 30 s command timeout.
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection) { CommandTimeout = 300 };
            await drop.ExecuteNonQueryAsync();
        }));

        if (_startedHere)
        {
            await EngScripts.RunAsync("postgres.sh", null, ScriptTimeout, "stop");
        }
    }

    /// <summary>A pooled connection: the test polls counts every few milliseconds, and a new server process for each would load the machine.</summary>
    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Timeout = 30 }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<bool> IsReachableAsync(string server)
    {
        try
        {
            await using var connection = await OpenAsync(new NpgsqlConnectionStringBuilder(server) { Database = "postgres" }.ConnectionString);
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }
}
