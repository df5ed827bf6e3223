using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Caravan.Services.Tests;

/// <summary>
/// Services on PostgreSQL, configured as distributed mode configures them (<c>Caravan:Database:Provider</c>
/// = postgres). The server is the one CARAVAN_POSTGRES names (eng/test.sh starts it), or else the one
/// eng/postgres.sh runs, started here when it is not running (and stopped again at the end). Each data
/// directory gets its own databases through a NamePrefix made from this run and the directory; they are
/// dropped when the last host started on that directory stops (hosts may share one), and whatever is
/// left of this run's when the collection ends.
/// </summary>
public sealed class PostgresStorage : ServiceStorage, IAsyncLifetime
{
    private readonly string _run = "svc" + Guid.NewGuid().ToString("N")[..6];
    private readonly Dictionary<string, int> _hostsByDirectory = new(StringComparer.Ordinal);
    private bool _startedHere;

    /// <summary>The server's connection string, without a database.</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var configured = Environment.GetEnvironmentVariable("CARAVAN_POSTGRES");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            ConnectionString = configured;
            return;
        }

        var export = EngScripts.LastLine(await EngScripts.RunAsync("postgres.sh", "env"));
        var scriptServer = export[(export.IndexOf('"', StringComparison.Ordinal) + 1)..^1];
        _startedHere = !await IsReachableAsync(scriptServer);
        ConnectionString = EngScripts.LastLine(await EngScripts.RunAsync("postgres.sh", "start"));
    }

    public override void Configure(IConfiguration configuration, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration[ServiceMessagingExtensions.DatabaseProviderKey] = "postgres";
        configuration[$"ConnectionStrings:{ServiceMessagingExtensions.PostgresConnectionName}"] = ConnectionString;
        configuration[ServiceMessagingExtensions.DatabaseNamePrefixKey] = NamePrefix(dataDirectory);
        lock (_hostsByDirectory)
        {
            _hostsByDirectory[dataDirectory] = _hostsByDirectory.GetValueOrDefault(dataDirectory) + 1;
        }
    }

    public override async Task ReleaseAsync(string dataDirectory)
    {
        lock (_hostsByDirectory)
        {
            if (!_hostsByDirectory.TryGetValue(dataDirectory, out var hosts))
            {
                return;
            }

            if (hosts > 1)
            {
                _hostsByDirectory[dataDirectory] = hosts - 1;
                return;
            }

            _hostsByDirectory.Remove(dataDirectory);
        }

        await DropDatabasesAsync(NamePrefix(dataDirectory));
    }

    /// <summary>What starts the names of the databases of the services started on <paramref name="dataDirectory"/>.</summary>
    public string NamePrefix(string dataDirectory)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dataDirectory)))[..10];
        return $"{_run}{hash}_";
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await DropDatabasesAsync(_run);
        if (_startedHere)
        {
            await EngScripts.RunAsync("postgres.sh", "stop");
        }
    }

    /// <summary>Drops every database whose name starts with <paramref name="prefix"/>, closing whatever still uses it.</summary>
    private async Task DropDatabasesAsync(string prefix)
    {
        await using var connection = await OpenMaintenanceAsync(ConnectionString);
        var names = new List<string>();
        await using (var find = new NpgsqlCommand("SELECT datname FROM pg_database WHERE starts_with(datname, @prefix)", connection))
        {
            find.Parameters.AddWithValue("prefix", prefix);
            await using var reader = await find.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                names.Add(reader.GetString(0));
            }
        }

        foreach (var name in names)
        {
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static async Task<NpgsqlConnection> OpenMaintenanceAsync(string server)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false, Timeout = 5 }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<bool> IsReachableAsync(string server)
    {
        try
        {
            await using var connection = await OpenMaintenanceAsync(server);
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }
}

/// <summary>
/// The test classes that run services on PostgreSQL (and RabbitMQ) share one fixture per server; they run
/// one class at a time.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresStorage>, ICollectionFixture<RabbitMqServer>
{
    public const string Name = "Services on PostgreSQL";
}
