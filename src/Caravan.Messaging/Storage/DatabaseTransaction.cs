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

    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore();
        GC.SuppressFinalize(this);
    }

    protected abstract ValueTask DisposeAsyncCore();
}
