using Npgsql;

namespace Caravan.Storage.Tests;

/// <summary>
/// The PostgreSQL server the tests use: the one CARAVAN_POSTGRES points at (eng/test.sh starts it),
/// or, when that is not set, one this fixture starts with eng/postgres.sh (and stops again if it
/// started it), so that a plain <c>dotnet test</c> runs every PostgreSQL test too. Each test gets a
/// database of its own, dropped afterwards.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    public const string Variable = "CARAVAN_POSTGRES";

    private bool _startedHere;

    /// <summary>The server's connection string, without a database.</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var configured = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            ConnectionString = configured;
            return;
        }

        var before = await EngScripts.RunAsync("postgres.sh", "env");
        _startedHere = !await IsReachableAsync(ConnectionStringOf(before));
        ConnectionString = EngScripts.LastLine(await EngScripts.RunAsync("postgres.sh", "start"));
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_startedHere)
        {
            await EngScripts.RunAsync("postgres.sh", "stop");
        }
    }

    /// <summary>A connection string to a database of this server that does not exist yet.</summary>
    public string NewDatabase(string prefix) =>
        new NpgsqlConnectionStringBuilder(ConnectionString) { Database = $"{prefix}_{Guid.NewGuid():N}"[..30] }.ConnectionString;

    /// <summary>Drops a database <see cref="NewDatabase"/> named, closing whatever still uses it.</summary>
    public Task DropAsync(string connectionString) => DropAsync(ConnectionString, connectionString);

    internal static async Task DropAsync(string server, string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    private static string ConnectionStringOf(string exportLine) => exportLine[(exportLine.IndexOf('"', StringComparison.Ordinal) + 1)..^1];

    private static async Task<bool> IsReachableAsync(string connectionString)
    {
        try
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false, Timeout = 3 }.ConnectionString);
            await connection.OpenAsync();
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }
}

/// <summary>Tests on the shared server; they run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}
