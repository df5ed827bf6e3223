using System.Data.Common;
using Npgsql;

namespace Caravan.Messaging.Postgres;

/// <summary>
/// A service's own PostgreSQL database, holding its business tables and its outbox and inbox.
/// <see cref="InitializeAsync"/> creates the database when it is missing and brings Caravan's tables
/// to <see cref="PostgresSchema.Version"/>; both steps are idempotent and safe to run from several
/// instances of the service at once.
/// <para>
/// Transactions run at PostgreSQL's default isolation, READ COMMITTED: unlike SQLite's single writer,
/// writers of one database run side by side, so business code that reads, then writes what it read
/// must lock the rows it reads (<c>SELECT … FOR UPDATE</c>) or write conditionally.
/// </para>
/// <para>
/// Unless the connection string says otherwise, connections prepare the statements they run often
/// (<c>Max Auto Prepare</c> 64: the outbox, inbox and business statements are parsed and planned once per
/// connection, not on every run) and are not reset when they go back to the pool (<c>No Reset On Close</c>):
/// every Caravan transaction ends with a commit or a rollback, and state a session sets outside a transaction
/// (<c>SET</c> without <c>LOCAL</c>, temporary tables, session advisory locks) stays with the pooled connection.
/// </para>
/// <para>
/// The outbox relay's claims and deletes run on connections of a pool of their own that plan without sequential
/// scans (<c>enable_seqscan = off</c>): the outbox is a queue whose statistics say "a few pages" while its heap
/// holds thousands of dead rows between two vacuums, and a plan made from those statistics reads the whole heap
/// on every claim and delete instead of the few rows it wants through the primary key.
/// </para>
/// </summary>
public sealed class PostgresServiceDatabase : IServiceDatabase, IAsyncDisposable, IDisposable
{
    // Databases a connection string names need not exist yet; they are created from this one.
    private const string MaintenanceDatabase = "postgres";

    // Statements a connection prepares by itself once it has run them a few times (Npgsql's auto-prepare).
    private const int DefaultMaxAutoPrepare = 64;

    // The relay's sessions reach outbox rows through the primary key (see the type's summary).
    private const string RelaySessionOptions = "-c enable_seqscan=off";

    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlDataSource _relayDataSource;

    public PostgresServiceDatabase(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrWhiteSpace(builder.Database))
        {
            throw new ArgumentException("The connection string names no database (Database=…): each service has its own.", nameof(connectionString));
        }

        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = DefaultMaxAutoPrepare;
        }

        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        DatabaseName = builder.Database;
        ConnectionString = builder.ConnectionString;
        _dataSource = NpgsqlDataSource.Create(builder);
        var relay = new NpgsqlConnectionStringBuilder(builder.ConnectionString);
        relay.Options = string.IsNullOrWhiteSpace(relay.Options) ? RelaySessionOptions : relay.Options + " " + RelaySessionOptions;
        _relayDataSource = NpgsqlDataSource.Create(relay);
    }

    /// <summary>The service's database.</summary>
    public string DatabaseName { get; }

    public string ConnectionString { get; }

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await CreateDatabaseWhenMissingAsync(cancellationToken);
        await using var transaction = await BeginTransactionAsync(cancellationToken);
        await PostgresSchema.MigrateAsync((NpgsqlTransaction)transaction.Transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
        await OpenAsync(cancellationToken);

    public async Task<DatabaseTransaction> BeginTransactionAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(cancellationToken);
        try
        {
            return new PostgresTransaction(connection, await connection.BeginTransactionAsync(cancellationToken));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _relayDataSource.DisposeAsync();
        await _dataSource.DisposeAsync();
    }

    public void Dispose()
    {
        _relayDataSource.Dispose();
        _dataSource.Dispose();
    }

    internal Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) =>
        _dataSource.OpenConnectionAsync(cancellationToken).AsTask();

    /// <summary>A connection for the relay's claims and deletes only: its plans use indexes.</summary>
    internal Task<NpgsqlConnection> OpenForRelayAsync(CancellationToken cancellationToken) =>
        _relayDataSource.OpenConnectionAsync(cancellationToken).AsTask();

    private async Task CreateDatabaseWhenMissingAsync(CancellationToken cancellationToken)
    {
        var maintenance = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = MaintenanceDatabase, Pooling = false };
        await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection))
        {
            exists.Parameters.AddWithValue("name", DatabaseName);
            if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
            {
                return;
            }
        }

        // CREATE DATABASE takes no parameters; the name is quoted as an identifier. Text compares byte by
        // byte (collation C), as on SQLite, so that ORDER BY on ids, SKUs and timestamps gives the same
        // pages on both engines whatever locale the server was initialised with.
        var quoted = "\"" + DatabaseName.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        await using var create = new NpgsqlCommand($"CREATE DATABASE {quoted} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C'", connection);
        try
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            // Another instance of the service created it first.
        }
    }
}
