using System.Globalization;

namespace Caravan.Messaging.RabbitMq;

/// <summary>
/// The names and arguments of everything Caravan declares on the broker (all durable):
/// <list type="bullet">
/// <item><c>{prefix}.x.{messageType}</c>: a headers exchange per message type; each consuming queue is bound to it
/// by <see cref="IMessageTransport.SubscribeAsync"/> (a classic queue matches every message, a quorum lane only its
/// priority's <see cref="PriorityHeader"/>);</item>
/// <item><c>{prefix}.q.{queue}</c>: a consuming endpoint's queue (classic, <c>x-max-priority</c> 4), or with quorum
/// queues one lane per priority, <c>{prefix}.q.{queue}.p{1-4}</c>; commands reach it straight through the default
/// exchange;</item>
/// <item><c>{prefix}.dlq.{queue}</c>: the endpoint's dead letters (classic);</item>
/// <item><c>{prefix}.delay.{ms}</c>: a fanout exchange and a queue with <c>x-message-ttl</c> = ms per delay bucket;
/// expired messages are dead-lettered to <c>{prefix}.delayed</c>, a direct exchange that routes them on by their
/// original routing key (a lane's name, or a message type exchange's name);</item>
/// <item><c>{prefix}.directory</c>: one message per endpoint that has dead letters, so that the dead-letter API
/// can find every dead-letter queue without the management plugin.</item>
/// </list>
/// </summary>
internal sealed class RabbitMqTopology(RabbitMqTransportOptions options)
{
    public const string PriorityHeader = "caravan-priority";

    private static readonly MessagePriority[] HighestFirst =
        [MessagePriority.Critical, MessagePriority.High, MessagePriority.Normal, MessagePriority.Low];

    private readonly string _prefix = options.TopologyPrefix;

    public bool Quorum { get; } = options.QueueType == RabbitMqQueueType.Quorum;

    public string DelayedExchange => _prefix + ".delayed";

    public string Directory => _prefix + ".directory";

    public string TypeExchange(string messageType) => $"{_prefix}.x.{messageType}";

    public string DeadLetterQueue(string queue) => $"{_prefix}.dlq.{queue}";

    public string DelayBucket(long milliseconds) => $"{_prefix}.delay.{milliseconds.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The broker queues behind an endpoint's queue, highest priority first.</summary>
    public IReadOnlyList<Lane> Lanes(string queue) =>
        Quorum
            ? HighestFirst.Select(priority => new Lane(LaneName(queue, priority), priority)).ToList()
            : [new Lane($"{_prefix}.q.{queue}", null)];

    /// <summary>The broker queue that holds messages of <paramref name="priority"/> for <paramref name="queue"/>.</summary>
    public string LaneName(string queue, MessagePriority priority) =>
        Quorum ? $"{_prefix}.q.{queue}.p{(int)priority}" : $"{_prefix}.q.{queue}";

    public Dictionary<string, object?> LaneArguments(string queue) => Quorum
        ? new()
        {
            ["x-queue-type"] = "quorum",
            ["x-delivery-limit"] = options.QuorumDeliveryLimit,
            ["x-dead-letter-exchange"] = string.Empty,
            ["x-dead-letter-routing-key"] = DeadLetterQueue(queue),
        }
        : new() { ["x-max-priority"] = (int)MessagePriority.Critical };

    /// <summary>The headers-exchange binding of a lane: everything for a classic queue, one priority for a quorum lane.</summary>
    public static Dictionary<string, object?> BindingArguments(Lane lane)
    {
        var arguments = new Dictionary<string, object?> { ["x-match"] = "all" };
        if (lane.Priority is { } priority)
        {
            arguments[PriorityHeader] = PriorityValue(priority);
        }

        return arguments;
    }

    public Dictionary<string, object?> DelayArguments(long milliseconds) => new()
    {
        ["x-message-ttl"] = milliseconds,
        ["x-dead-letter-exchange"] = DelayedExchange,
    };

    public static string PriorityValue(MessagePriority priority) => ((int)priority).ToString(CultureInfo.InvariantCulture);

    /// <summary>A broker queue behind an endpoint; <see cref="Priority"/> is null when it holds every priority.</summary>
    public sealed record Lane(string Name, MessagePriority? Priority);
}
