using System.Diagnostics;

namespace Caravan.Messaging;

/// <summary>
/// Tracing for messaging. A "publish" producer span is started when a message is written to the
/// outbox and its context travels in the envelope's traceparent; the consumer's "process" span is
/// its child, so one trace follows a message across processes.
/// </summary>
public static class MessagingTelemetry
{
    public const string SourceName = "Caravan.Messaging";

    public static readonly ActivitySource Source = new(SourceName, "1.0.0");

    internal static Activity? StartPublish(string messageType, Guid messageId, string destination)
    {
        var activity = Source.StartActivity($"{destination} publish", ActivityKind.Producer);
        if (activity is not null)
        {
            activity.SetTag("messaging.system", "caravan");
            activity.SetTag("messaging.operation.type", "publish");
            activity.SetTag("messaging.destination.name", destination);
            activity.SetTag("messaging.message.id", messageId.ToString());
            activity.SetTag("caravan.message.type", messageType);
        }

        return activity;
    }

    internal static Activity? StartProcess(Envelope envelope, string queue)
    {
        ActivityContext.TryParse(envelope.TraceParent, null, isRemote: true, out var parent);
        var activity = Source.StartActivity($"{queue} process", ActivityKind.Consumer, parent);
        if (activity is not null)
        {
            activity.SetTag("messaging.system", "caravan");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", queue);
            activity.SetTag("messaging.message.id", envelope.MessageId.ToString());
            activity.SetTag("messaging.message.conversation_id", envelope.CorrelationId);
            activity.SetTag("caravan.message.type", envelope.MessageType);
            activity.SetTag("caravan.message.attempt", envelope.Attempt);
        }

        return activity;
    }
}
