namespace Caravan.Messaging.RabbitMq;

/// <summary>The kind of queue each consuming endpoint gets.</summary>
public enum RabbitMqQueueType
{
    /// <summary>One classic queue with <c>x-max-priority</c> = 4: the broker orders by priority.</summary>
    Classic = 0,

    /// <summary>
    /// Replicated quorum queues. RabbitMQ 3.10 quorum queues have no message priority, so each endpoint gets
    /// one quorum queue per priority level ("lanes") and receiving drains the highest lane first.
    /// </summary>
    Quorum = 1,
}
