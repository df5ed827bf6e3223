using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace Caravan.Messaging.Internal;

/// <summary>The collaborators every session and consumer needs, gathered once.</summary>
internal sealed class MessagingRuntime(
    IOptions<MessagingOptions> options,
    MessageTypeRegistry types,
    IServiceDatabase database,
    IOutboxStore outbox,
    IMessageIdGenerator ids,
    TimeProvider timeProvider,
    OutboxSignal outboxSignal)
{
    private readonly MessageSerializer _serializer = new(options.Value.JsonSerializerOptions);

    public MessagingOptions Options { get; } = options.Value;

    public MessageTypeRegistry Types { get; } = types;

    public MessageSerializer Serializer => _serializer;

    public IServiceDatabase Database { get; } = database;

    public IOutboxStore Outbox { get; } = outbox;

    public TimeProvider TimeProvider { get; } = timeProvider;

    public OutboxSignal OutboxSignal { get; } = outboxSignal;

    /// <summary>Builds the outgoing envelope for a message, inheriting correlation from <paramref name="incoming"/>.</summary>
    public OutgoingMessage CreateOutgoing(object message, Type type, DestinationKind kind, MessageOptions? messageOptions, Envelope? incoming)
    {
        ArgumentNullException.ThrowIfNull(message);
        var registration = Types.Get(type);
        var id = ids.NewId();
        string? queue = null;
        if (kind == DestinationKind.Send)
        {
            queue = messageOptions?.Destination ?? registration.DefaultDestination
                ?? throw new InvalidOperationException(
                    $"No destination for '{registration.Name}': give MessageOptions.Destination or register the message with a destination.");
        }

        string? traceParent;
        using (var activity = MessagingTelemetry.StartPublish(registration.Name, id, queue ?? registration.Name))
        {
            traceParent = activity?.Id ?? Activity.Current?.Id;
        }

        var envelope = new Envelope
        {
            MessageId = id,
            MessageType = registration.Name,
            CorrelationId = messageOptions?.CorrelationId ?? incoming?.CorrelationId ?? id.ToString(),
            CausationId = incoming?.MessageId.ToString(),
            Priority = messageOptions?.Priority ?? MessagePriority.Normal,
            CreatedAt = TimeProvider.GetUtcNow(),
            DeliverAt = messageOptions?.DeliverAt,
            ReplyTo = kind == DestinationKind.Send ? messageOptions?.ReplyTo ?? NullIfEmpty(Options.ServiceName) : messageOptions?.ReplyTo,
            TraceParent = traceParent,
            Headers = messageOptions?.Headers ?? Envelope.EmptyHeaders,
            Body = _serializer.Serialize(message, type),
        };
        return new OutgoingMessage(envelope, kind, queue);
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
