using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Caravan.Messaging.Sqlite;

/// <summary>A service's own SQLite database file, holding its business tables and its outbox and inbox.</summary>
public sealed class SqliteServiceDatabase : IServiceDatabase
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS caravan_outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            destination_kind INTEGER NOT NULL,
            destination TEXT NULL,
            message_id TEXT NOT NULL,
            message_type TEXT NOT NULL,
            priority INTEGER NOT NULL,
            metadata TEXT NOT NULL,
            body BLOB NOT NULL,
            due_at INTEGER NULL,
            claimed_until INTEGER NULL
        );
        CREATE INDEX IF NOT EXISTS ix_caravan_outbox_due ON caravan_outbox (due_at) WHERE due_at IS NOT NULL;
        CREATE TABLE IF NOT EXISTS caravan_inbox (
            endpoint TEXT NOT NULL,
            message_id TEXT NOT NULL,
            handled_at INTEGER NOT NULL,
            PRIMARY KEY (endpoint, message_id)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS ix_caravan_inbox_handled_at ON caravan_inbox (handled_at);
        """;

    private readonly string _connectionString;
    private readonly bool _fullDurability;

    public SqliteServiceDatabase(string path, bool fullDurability = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        FilePath = Path.GetFullPath(path);
        _connectionString = SqliteConnections.BuildConnectionString(path);
        _fullDurability = fullDurability;
    }

    /// <summary>The database file's full path.</summary>
    public string FilePath { get; }

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await SqliteConnections.ExecuteAsync(connection, "PRAGMA journal_mode=WAL;", cancellationToken);
        await SqliteConnections.ExecuteAsync(connection, Schema, cancellationToken);
    }

    public async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
        await OpenAsync(cancellationToken);

    public Task<DbTransaction> BeginTransactionAsync(DbConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        cancellationToken.ThrowIfCancellationRequested();

        // deferred: false means BEGIN IMMEDIATE: the write lock is taken now, so two processes never
        // both hold read locks and then deadlock upgrading them.
        return Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));
    }

    internal Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) =>
        SqliteConnections.OpenAsync(_connectionString, _fullDurability, cancellationToken);
}
