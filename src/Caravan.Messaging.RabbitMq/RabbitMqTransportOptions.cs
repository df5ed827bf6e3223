namespace Caravan.Messaging.RabbitMq;

/// <summary>Settings of the RabbitMQ transport.</summary>
public sealed class RabbitMqTransportOptions
{
    /// <summary>An AMQP URI, e.g. <c>amqp://guest:guest@127.0.0.1:35672/</c> (what <c>eng/rabbitmq.sh start</c> prints).</summary>
    public string ConnectionString { get; set; } = "amqp://guest:guest@127.0.0.1:35672/";

    /// <summary>
    /// Starts the name of every exchange and queue Caravan declares, so that several systems (or test
    /// runs) can share one virtual host without seeing each other's messages.
    /// </summary>
    public string TopologyPrefix { get; set; } = "caravan";

    /// <summary>Classic queues with <c>x-max-priority</c> (default), or one quorum queue per priority level.</summary>
    public RabbitMqQueueType QueueType { get; set; } = RabbitMqQueueType.Classic;

    /// <summary>
    /// <c>x-delivery-limit</c> of quorum queues, set explicitly so that the broker never drops a message that
    /// Caravan's own retry policy would still retry. Caravan gives messages back by republishing them, so the
    /// broker only counts deliveries lost with a connection; past the limit a message goes to the queue's
    /// dead letters, never away.
    /// </summary>
    public int QuorumDeliveryLimit { get; set; } = 1000;

    /// <summary>How long a send waits for the broker's publisher confirms before it fails (and the outbox retries).</summary>
    public TimeSpan ConfirmTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest one other broker operation may take: opening a connection (TCP connect and AMQP handshake) or a
    /// channel, a declaration, a basic.get. A broker that accepts connections but answers nothing (frozen, overloaded)
    /// fails the operation after this instead of holding it; a channel or connection that timed out is replaced.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How often expired leases are looked for (and their messages given back).</summary>
    public TimeSpan LeaseCheckInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Not used any more (waiting consumers get messages pushed, see <see cref="ConsumerPrefetch"/>); kept so that
    /// configuration and code that set it still bind.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Deliveries the broker may push to a waiting endpoint's consumer before they are received (basic.qos per lane;
    /// they stay unacknowledged, invisible to other consumers, until received or given back).
    /// </summary>
    public ushort ConsumerPrefetch { get; set; } = 64;

    /// <summary>How long a consumer may go without a receive or a wait before it is cancelled and gives back what it buffered.</summary>
    public TimeSpan ConsumerIdleTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The connection name the broker shows (UseRabbitMq sets the service name; "caravan" when null).</summary>
    public string? ClientName { get; set; }
}
