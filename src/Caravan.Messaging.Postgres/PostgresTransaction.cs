using System.Data.Common;
using Npgsql;

namespace Caravan.Messaging.Postgres;

/// <summary>
/// A transaction on a pooled connection of its own; committing or rolling back returns the connection
/// to the pool, and disposing rolls back what was not committed. A connection the server dropped
/// (a restart, a failover) is discarded by Npgsql's pool, so the next transaction opens a fresh one.
/// </summary>
internal sealed class PostgresTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction) : DatabaseTransaction
{
    private bool _ended;

    public override DbConnection Connection => connection;

    public override DbTransaction Transaction => transaction;

    public override async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_ended, this);
        try
        {
            await transaction.CommitAsync(cancellationToken);
        }
        finally
        {
            await EndAsync();
        }
    }

    /// <summary>
    /// Runs the statements <paramref name="addStatements"/> puts in a batch, then COMMIT, in one round trip. If a
    /// statement fails the server skips the rest of the batch (COMMIT included) and the transaction is rolled back.
    /// </summary>
    public async Task CommitAfterAsync(Action<NpgsqlBatch> addStatements, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_ended, this);
        try
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            addStatements(batch);
            batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            await EndAsync();
        }
    }

    public override async Task RollbackAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_ended, this);
        try
        {
            await transaction.RollbackAsync(cancellationToken);
        }
        finally
        {
            await EndAsync();
        }
    }

    protected override ValueTask DisposeAsyncCore() => EndAsync();

    private async ValueTask EndAsync()
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        try
        {
            // Rolls back when neither committed nor rolled back.
            await transaction.DisposeAsync();
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }
}
