using Caravan.Messaging.Internal;

namespace Caravan.Messaging;

internal sealed class MessageBus(MessagingRuntime runtime) : IMessageBus
{
    public async Task<MessageSession> BeginAsync(CancellationToken cancellationToken = default)
    {
        var transaction = await runtime.Database.BeginTransactionAsync(cancellationToken);
        return new MessageSession(runtime, transaction, incoming: null);
    }

    public Task<Guid> PublishAsync<TMessage>(TMessage message, MessageOptions? options = null, CancellationToken cancellationToken = default)
        where TMessage : notnull =>
        InOwnTransactionAsync(session => session.Publish(message, options), cancellationToken);

    public Task<Guid> SendAsync<TMessage>(TMessage message, MessageOptions? options = null, CancellationToken cancellationToken = default)
        where TMessage : notnull =>
        InOwnTransactionAsync(session => session.Send(message, options), cancellationToken);

    public Task<Guid> ScheduleAsync<TMessage>(
        TMessage message, DateTimeOffset deliverAt, MessageOptions? options = null, CancellationToken cancellationToken = default)
        where TMessage : notnull =>
        InOwnTransactionAsync(session => session.Schedule(message, deliverAt, options), cancellationToken);

    private async Task<Guid> InOwnTransactionAsync(Func<MessageSession, Guid> add, CancellationToken cancellationToken)
    {
        await using var session = await BeginAsync(cancellationToken);
        var id = add(session);
        await session.CommitAsync(cancellationToken);
        return id;
    }
}
