namespace Caravan.Messaging;

/// <summary>
/// Handles one message type. Resolved from a fresh DI scope per message. Whatever it writes
/// through <see cref="MessageSession.Transaction"/>, and every message it publishes, sends or replies
/// through the context, commits together with the inbox record, or not at all.
/// </summary>
public interface IMessageHandler<in TMessage>
{
    Task HandleAsync(TMessage message, MessageContext context, CancellationToken cancellationToken);
}
