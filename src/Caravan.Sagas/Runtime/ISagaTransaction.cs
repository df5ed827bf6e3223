using System.Data.Common;
using Caravan.Messaging;

namespace Caravan.Sagas;

/// <summary>
/// The transaction a saga transition commits in: the orchestrator's database connection and the
/// outbox its commands and events go to. Saga hooks write business rows and publish through it, so
/// the saga's new state, the hook's changes and every outgoing message commit together.
/// </summary>
public interface ISagaTransaction
{
    DbConnection Connection { get; }

    DbTransaction Transaction { get; }

    Guid Send<TMessage>(TMessage message, MessageOptions options)
        where TMessage : notnull;

    Guid Publish<TMessage>(TMessage message, MessageOptions? options = null)
        where TMessage : notnull;
}

/// <summary>The saga transaction of a <see cref="MessageSession"/> (an HTTP request's or a handler's).</summary>
internal sealed class SessionSagaTransaction(MessageSession session) : ISagaTransaction
{
    public DbConnection Connection => session.Connection;

    public DbTransaction Transaction => session.Transaction;

    public Guid Send<TMessage>(TMessage message, MessageOptions options)
        where TMessage : notnull => session.Send(message, options);

    public Guid Publish<TMessage>(TMessage message, MessageOptions? options = null)
        where TMessage : notnull => session.Publish(message, options);
}
