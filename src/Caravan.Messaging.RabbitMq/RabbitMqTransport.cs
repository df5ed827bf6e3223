using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Caravan.Messaging.RabbitMq;

/// <summary>
/// Caravan's transport on RabbitMQ (topology in <see cref="RabbitMqTopology"/>). What it guarantees:
/// <list type="bullet">
/// <item>persistent messages on durable queues, and <see cref="SendAsync"/> returns only once the broker
/// confirmed every message (a nack or a confirm timeout throws and the outbox relay retries);</item>
/// <item>an endpoint waiting for messages gets them pushed (basic.consume with a bounded prefetch, manual acks, see
/// <see cref="PushConsumer"/>); a plain receive on a queue without a consumer pulls with basic.get. Either way a
/// received message is leased on the client: an unsettled message
/// whose lease expires is given back (republished with its delivery counted, then acked), a lost connection
/// gives back everything it held (the broker requeues it); at least once, duplicates absorbed by the inbox;</item>
/// <item>priority by <c>x-max-priority</c> (classic) or by draining quorum lanes highest first;</item>
/// <item>delays (scheduled messages and delayed retries) wait in TTL queues, never delivered early.</item>
/// </list>
/// The bound on unacknowledged messages is the consuming endpoint's Prefetch (it leases no more than that) plus
/// <see cref="RabbitMqTransportOptions.ConsumerPrefetch"/> per lane for deliveries pushed and not yet received.
/// </summary>
public sealed partial class RabbitMqTransport : IMessageTransport, IAsyncDisposable
{
    private readonly RabbitMqTransportOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly RabbitMqConnection _connection;
    private readonly ChannelSlot _publishing;
    private readonly ChannelSlot _leasing;
    private readonly ChannelSlot _declaring;
    private readonly LeaseTable _leases = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _startLock = new();
    private long _deadLetterSequence;
    private int _disposed;
    private Task? _expiring;

    public RabbitMqTransport(
        RabbitMqTransportOptions options, TimeProvider timeProvider, IRandomSource random, ILogger<RabbitMqTransport>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ConnectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.TopologyPrefix);
        _options = options;
        _timeProvider = timeProvider;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Topology = new RabbitMqTopology(options);
        _connection = new RabbitMqConnection(options, options.ClientName ?? "caravan", timeProvider);
        _publishing = new ChannelSlot(_connection, confirms: true);
        _leasing = new ChannelSlot(_connection, confirms: false);
        _declaring = new ChannelSlot(_connection, confirms: false);
        Publisher = new ConfirmingPublisher(_publishing, options.ConfirmTimeout, timeProvider);
        Declarer = new TopologyDeclarer(_declaring, Topology);
        _connection.Reconnected += () =>
        {
            Declarer.Forget();
            LogReconnected(_logger);
        };

        // Dead-letter ids sort by time, then by a per-process sequence that starts at random so that two
        // processes dead-lettering in the same millisecond rarely pick the same id.
        _deadLetterSequence = random.NextInt64() & 0xFFFF;
        DeadLetters = new RabbitMqDeadLetterQueue(this);
    }

    public string Name => "rabbitmq";

    public bool SupportsDelayedDelivery => true;

    /// <summary>
    /// None: an unacknowledged delivery counts against the consumer's prefetch until its ack is sent, so handled messages
    /// are acknowledged at once (those of one channel that are contiguous still go as one <c>multiple</c> ack).
    /// </summary>
    public TimeSpan CompletionWindow => TimeSpan.Zero;

    public IDeadLetterQueue DeadLetters { get; }

    internal RabbitMqTopology Topology { get; }

    internal TopologyDeclarer Declarer { get; }

    internal ConfirmingPublisher Publisher { get; }

    internal RabbitMqConnection Connection => _connection;

    internal TimeProvider TimeProvider => _timeProvider;

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await Declarer.EnsureBaseAsync(cancellationToken);
        StartExpiringLeases();
    }

    public async Task SubscribeAsync(string queue, IReadOnlyCollection<string> messageTypes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        ArgumentNullException.ThrowIfNull(messageTypes);
        await Declarer.EnsureQueueAsync(queue, cancellationToken);
        foreach (var messageType in messageTypes)
        {
            await Declarer.BindAsync(queue, messageType, cancellationToken);
        }

        await ((RabbitMqDeadLetterQueue)DeadLetters).RegisterAsync(queue, cancellationToken);
    }

    public async Task SendAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var now = _timeProvider.GetUtcNow();
        var batch = new List<OutgoingAmqpMessage>(messages.Count);
        foreach (var message in messages)
        {
            var envelope = message.Envelope;
            string routingKey;
            if (message.Kind == DestinationKind.Send)
            {
                var queue = message.Queue ?? throw new InvalidOperationException($"Message {envelope.MessageId} is sent without a queue.");
                await Declarer.EnsureQueueAsync(queue, cancellationToken);
                routingKey = Topology.LaneName(queue, envelope.Priority);
            }
            else
            {
                await Declarer.EnsureTypeAsync(envelope.MessageType, cancellationToken);
                routingKey = Topology.TypeExchange(envelope.MessageType);
            }

            var properties = WireFormat.Create(envelope, now);
            batch.Add(envelope.DeliverAt is { } deliverAt && deliverAt > now
                ? await ViaDelayAsync(routingKey, deliverAt - now, properties, envelope.Body, cancellationToken)
                : message.Kind == DestinationKind.Send
                    ? new OutgoingAmqpMessage(string.Empty, routingKey, Mandatory: true, properties, envelope.Body)
                    // An event nobody subscribed to is dropped by the broker, as intended: mandatory stays off.
                    : new OutgoingAmqpMessage(routingKey, string.Empty, Mandatory: false, properties, envelope.Body));
        }

        try
        {
            await Publisher.PublishAsync(batch, cancellationToken);
        }
        catch (RabbitMQ.Client.Exceptions.PublishException ex) when (ex.IsReturn)
        {
            // A queue this process declared is gone (deleted by hand): declare again on the outbox's retry.
            Declarer.Forget();
            throw;
        }
    }

    /// <summary>
    /// Ready messages (by passive declaration) plus those this process holds leased or buffered by its consumer.
    /// Messages held by other processes and messages waiting in delay queues are not counted: AMQP does not report them.
    /// </summary>
    public async Task<long> GetQueueDepthAsync(string queue, CancellationToken cancellationToken = default) =>
        await Declarer.ReadyCountAsync(queue, cancellationToken) + _leases.CountFor(queue) + BufferedFor(queue);

    public async ValueTask DisposeAsync()
    {
        // Registered under two service types, the host disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_expiring is not null)
        {
            await _expiring;
        }

        await StopConsumersAsync();

        await _publishing.DisposeAsync();
        await _leasing.DisposeAsync();
        await _declaring.DisposeAsync();
        await _connection.DisposeAsync();
        _stopping.Dispose();
        _consumersGate.Dispose();
    }

    /// <summary>A publish that first waits in the delay bucket at or above <paramref name="delay"/>, then goes on to <paramref name="routingKey"/>.</summary>
    internal async Task<OutgoingAmqpMessage> ViaDelayAsync(
        string routingKey, TimeSpan delay, RabbitMQ.Client.BasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var bucket = DelayBuckets.RoundUp(delay);
        await Declarer.EnsureDelayAsync(bucket, cancellationToken);
        return new OutgoingAmqpMessage(Topology.DelayBucket(bucket), routingKey, Mandatory: true, properties, body);
    }

    /// <summary>Starts the loop that gives back messages whose leases expired (once; the first lease starts it at the latest).</summary>
    private void StartExpiringLeases()
    {
        lock (_startLock)
        {
            _expiring ??= Task.Run(() => ExpireLeasesAsync(_stopping.Token), CancellationToken.None);
        }
    }

    internal long NextDeadLetterId() =>
        (_timeProvider.GetUtcNow().ToUnixTimeMilliseconds() << 16) | (Interlocked.Increment(ref _deadLetterSequence) & 0xFFFF);
}
