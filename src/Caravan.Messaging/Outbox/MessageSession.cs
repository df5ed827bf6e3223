using System.Data.Common;
using Caravan.Messaging.Internal;

namespace Caravan.Messaging;

/// <summary>
/// A unit of work on the service's database. Business code writes through <see cref="Connection"/>
/// and <see cref="Transaction"/>; messages it publishes, sends or schedules are buffered and written to
/// the outbox by <see cref="CommitAsync"/> in the same transaction. Disposing without committing rolls
/// everything back: no message is sent for work that did not commit.
/// </summary>
public class MessageSession : IAsyncDisposable
{
    private readonly MessagingRuntime _runtime;
    private readonly DatabaseTransaction _transaction;
    private readonly List<OutgoingMessage> _outgoing = [];
    private readonly bool _ownsTransaction;
    private bool _completed;

    internal MessageSession(MessagingRuntime runtime, DatabaseTransaction transaction, Envelope? incoming, bool ownsTransaction = true)
    {
        _runtime = runtime;
        _transaction = transaction;
        _ownsTransaction = ownsTransaction;
        Incoming = incoming;
    }

    /// <summary>The session's connection: use it for business SQL, in <see cref="Transaction"/>, until the session commits or rolls back. Never dispose it.</summary>
    public DbConnection Connection => _transaction.Connection;

    public DbTransaction Transaction => _transaction.Transaction;

    /// <summary>Messages buffered so far, to be written to the outbox at commit.</summary>
    public IReadOnlyList<OutgoingMessage> Outgoing => _outgoing;

    private protected Envelope? Incoming { get; }

    private protected MessagingRuntime Runtime => _runtime;

    /// <summary>Publishes an event: every service subscribed to its type receives a copy.</summary>
    public Guid Publish<TMessage>(TMessage message, MessageOptions? options = null)
        where TMessage : notnull =>
        Add(_runtime.CreateOutgoing(message, typeof(TMessage), DestinationKind.Publish, options, Incoming));

    /// <summary>Sends a command to one queue: the message type's registered destination, or <see cref="MessageOptions.Destination"/>.</summary>
    public Guid Send<TMessage>(TMessage message, MessageOptions? options = null)
        where TMessage : notnull =>
        Add(_runtime.CreateOutgoing(message, typeof(TMessage), DestinationKind.Send, options, Incoming));

    /// <summary>Sends a command that is not delivered before <paramref name="deliverAt"/>.</summary>
    public Guid Schedule<TMessage>(TMessage message, DateTimeOffset deliverAt, MessageOptions? options = null)
        where TMessage : notnull =>
        Send(message, (options ?? new MessageOptions()) with { DeliverAt = deliverAt });

    /// <summary>Writes the buffered messages to the outbox, commits, and wakes the relay.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (!_ownsTransaction)
        {
            throw new InvalidOperationException("This context shares its transaction with other messages; the consumer commits it.");
        }

        await _runtime.Outbox.AddAndCommitAsync(_transaction, _outgoing, cancellationToken);
        _completed = true;
        if (_outgoing.Count > 0)
        {
            _runtime.OutboxSignal.Notify();
        }
    }

    public async Task RollbackAsync(CancellationToken cancellationToken = default)
    {
        if (!_ownsTransaction)
        {
            throw new InvalidOperationException("This context shares its transaction with other messages; throw from the handler to undo its work.");
        }

        if (!_completed)
        {
            _completed = true;
            await _transaction.RollbackAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore();
        GC.SuppressFinalize(this);
    }

    protected virtual ValueTask DisposeAsyncCore() => _ownsTransaction ? _transaction.DisposeAsync() : ValueTask.CompletedTask;

    /// <summary>Writes the buffered messages to the outbox in the (shared) transaction without committing; returns how many.</summary>
    internal async Task<int> FlushOutboxAsync(CancellationToken cancellationToken)
    {
        await _runtime.Outbox.AddAsync(Transaction, _outgoing, cancellationToken);
        _completed = true;
        return _outgoing.Count;
    }

    private protected Guid Add(OutgoingMessage message)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        _outgoing.Add(message);
        return message.Envelope.MessageId;
    }
}
