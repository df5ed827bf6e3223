using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Caravan.Messaging.Sqlite;

/// <summary>
/// A write transaction on a file's writer connection, holding the file's write gate until disposed.
/// Disposing rolls back whatever was not committed.
/// </summary>
internal sealed class SqliteWrite(SqliteFile file, SqliteConnection connection, SqliteTransaction transaction) : DatabaseTransaction
{
    private bool _ended;

    public override DbConnection Connection => connection;

    public override DbTransaction Transaction => transaction;

    public SqliteConnection SqliteConnection => connection;

    public SqliteTransaction SqliteTransaction => transaction;

    /// <summary>A one-off command in this transaction; the caller disposes it.</summary>
    public SqliteCommand CreateCommand(string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    /// <summary>A prepared statement bound to this transaction; do not dispose it.</summary>
    public SqliteCommand Statement(string sql) => file.Statement(transaction, sql);

    /// <summary>A statement run through SQLite's C API in this transaction, its bindings cleared; do not dispose it.</summary>
    public SqliteRawStatement RawStatement(string sql) => file.RawStatement(transaction, sql);

    // Savepoints run as prepared statements of the writer; savepoint names are identifiers Caravan chooses.
    public override Task SaveAsync(string savepoint, CancellationToken cancellationToken = default) =>
        Statement("SAVEPOINT " + savepoint).ExecuteNonQueryAsync(cancellationToken);

    public override async Task RollbackToAsync(string savepoint, CancellationToken cancellationToken = default)
    {
        await Statement("ROLLBACK TO " + savepoint).ExecuteNonQueryAsync(cancellationToken);
        await Statement("RELEASE " + savepoint).ExecuteNonQueryAsync(cancellationToken);
    }

    public override Task ReleaseAsync(string savepoint, CancellationToken cancellationToken = default) =>
        Statement("RELEASE " + savepoint).ExecuteNonQueryAsync(cancellationToken);

    public override async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_ended, this);
        await transaction.CommitAsync(cancellationToken);

        // The writer is free for others the moment the commit is done, not when this object is disposed.
        await EndAsync(broken: false);
    }

    public override async Task RollbackAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_ended, this);
        await transaction.RollbackAsync(cancellationToken);
        await EndAsync(broken: false);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        if (_ended)
        {
            return;
        }

        var broken = false;
        try
        {
            // Rolls back when neither committed nor rolled back.
            await transaction.DisposeAsync();
        }
        catch (Exception ex) when (ex is SqliteException or InvalidOperationException or ObjectDisposedException)
        {
            // The writer is in an unknown state: drop it; the next write opens a fresh one.
            broken = true;
        }

        await EndAsync(broken);
    }

    private async ValueTask EndAsync(bool broken)
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        broken |= connection.State != System.Data.ConnectionState.Open;
        await file.EndWriteAsync(broken);
    }
}
