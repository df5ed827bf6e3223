using System.Data.Common;

namespace Caravan.Messaging;

/// <summary>
/// A write transaction on a service database together with the connection it runs on, which it
/// owns: committing or rolling back ends it (the connection may then serve other writers), and
/// disposing it rolls back whatever was not committed.
/// Do not dispose <see cref="Connection"/> or <see cref="Transaction"/> yourself.
/// </summary>
public abstract class DatabaseTransaction : IAsyncDisposable
{
    public abstract DbConnection Connection { get; }

    public abstract DbTransaction Transaction { get; }

    public abstract Task CommitAsync(CancellationToken cancellationToken = default);

    public abstract Task RollbackAsync(CancellationToken cancellationToken = default);

    /// <summary>Marks a point the transaction can roll back to without ending (SQL SAVEPOINT).</summary>
    public virtual Task SaveAsync(string savepoint, CancellationToken cancellationToken = default) =>
        Transaction.SaveAsync(savepoint, cancellationToken);

    /// <summary>Undoes everything since <paramref name="savepoint"/> and forgets it.</summary>
    public virtual async Task RollbackToAsync(string savepoint, CancellationToken cancellationToken = default)
    {
        await Transaction.RollbackAsync(savepoint, cancellationToken);
        await Transaction.ReleaseAsync(savepoint, cancellationToken);
    }

    /// <summary>Keeps everything since <paramref name="savepoint"/> and forgets the savepoint.</summary>
    public virtual Task ReleaseAsync(string savepoint, CancellationToken cancellationToken = default) =>
        Transaction.ReleaseAsync(savepoint, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore();
        GC.SuppressFinalize(this);
    }

    protected abstract ValueTask DisposeAsyncCore();
}
