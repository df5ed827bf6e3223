namespace Caravan.Messaging;

/// <summary>
/// The entry point for code outside handlers (HTTP endpoints, background jobs). Open a session to
/// change business data and emit messages atomically, or use the one-message shortcuts.
/// </summary>
public interface IMessageBus
{
    /// <summary>Opens a connection to the service database and begins a transaction with an outbox attached.</summary>
    Task<MessageSession> BeginAsync(CancellationToken cancellationToken = default);

    Task<Guid> PublishAsync<TMessage>(TMessage message, MessageOptions? options = null, CancellationToken cancellationToken = default)
        where TMessage : notnull;

    Task<Guid> SendAsync<TMessage>(TMessage message, MessageOptions? options = null, CancellationToken cancellationToken = default)
        where TMessage : notnull;

    Task<Guid> ScheduleAsync<TMessage>(TMessage message, DateTimeOffset deliverAt, MessageOptions? options = null, CancellationToken cancellationToken = default)
        where TMessage : notnull;
}
