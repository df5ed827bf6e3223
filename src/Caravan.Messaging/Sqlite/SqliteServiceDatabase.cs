using System.Data.Common;

namespace Caravan.Messaging.Sqlite;

/// <summary>A service's own SQLite database file, holding its business tables and its outbox and inbox.</summary>
public sealed class SqliteServiceDatabase : IServiceDatabase
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS caravan_outbox (
            id INTEGER PRIMARY KEY,
            destination_kind INTEGER NOT NULL,
            destination TEXT NULL,
            message_id TEXT NOT NULL,
            message_type TEXT NOT NULL,
            priority INTEGER NOT NULL,
            metadata TEXT NOT NULL,
            body BLOB NOT NULL,
            due_at INTEGER NULL
        );
        CREATE TABLE IF NOT EXISTS caravan_outbox_relay (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            owner TEXT NOT NULL,
            until INTEGER NOT NULL
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

    private readonly SqliteFile _file;

    public SqliteServiceDatabase(string path, bool fullDurability = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _file = SqliteFile.For(path, fullDurability);
    }

    /// <summary>The database file's full path.</summary>
    public string FilePath => _file.FullPath;

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var write = await _file.BeginWriteAsync(cancellationToken);
        await using (var command = write.CreateCommand(Schema))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await write.CommitAsync(cancellationToken);
    }

    public async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
        await _file.OpenAsync(cancellationToken);

    public async Task<DatabaseTransaction> BeginTransactionAsync(CancellationToken cancellationToken = default) =>
        await _file.BeginWriteAsync(cancellationToken);

    internal SqliteFile File => _file;
}
