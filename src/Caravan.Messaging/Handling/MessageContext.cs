using Caravan.Messaging.Internal;

namespace Caravan.Messaging;

/// <summary>
/// What a handler gets besides the message: the incoming envelope, the transaction its work
/// commits in (with the inbox record), and publish / send / reply into the same outbox.
/// Outgoing messages inherit the incoming correlation id and name the incoming message as their cause.
/// </summary>
public sealed class MessageContext : MessageSession
{
    internal MessageContext(
        MessagingRuntime runtime, DatabaseTransaction transaction, Envelope incoming, string queue, IServiceProvider services, bool ownsTransaction = true)
        : base(runtime, transaction, incoming, ownsTransaction)
    {
        Message = incoming;
        Queue = queue;
        Services = services;
    }

    /// <summary>The envelope being handled.</summary>
    public Envelope Message { get; }

    /// <summary>The queue it was received from.</summary>
    public string Queue { get; }

    /// <summary>The DI scope of this handling.</summary>
    public IServiceProvider Services { get; }

    /// <summary>
    /// Sends <paramref name="reply"/> to the incoming message's ReplyTo queue, with its correlation id
    /// and an <see cref="EnvelopeHeaders.InReplyTo"/> header naming the request.
    /// </summary>
    public Guid Reply<TReply>(TReply reply, MessagePriority? priority = null)
        where TReply : notnull
    {
        var replyTo = Message.ReplyTo
            ?? throw new InvalidOperationException($"Message {Message.MessageId} ({Message.MessageType}) has no ReplyTo queue to reply to.");
        var headers = new Dictionary<string, string>(StringComparer.Ordinal) { [EnvelopeHeaders.InReplyTo] = Message.MessageId.ToString() };
        return Add(Runtime.CreateOutgoing(
            reply,
            typeof(TReply),
            DestinationKind.Send,
            new MessageOptions
            {
                Destination = replyTo,
                CorrelationId = Message.CorrelationId,
                Priority = priority ?? Message.Priority,
                Headers = headers,
            },
            Message));
    }
}
