using System.Data.Common;

namespace Caravan.Messaging;

/// <summary>
/// The database a service owns. Its business tables and Caravan's outbox and inbox tables live
/// side by side in it, so that business changes and outgoing messages commit in one transaction.
/// </summary>
public interface IServiceDatabase
{
    /// <summary>Creates the outbox and inbox tables when missing (idempotent).</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>Opens a connection for reading; the caller disposes it.</summary>
    Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default);

    /// <summary>Begins a write transaction (on SQLite: takes the write lock up front).</summary>
    Task<DatabaseTransaction> BeginTransactionAsync(CancellationToken cancellationToken = default);
}
