using System.Collections.Concurrent;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Caravan.Messaging.RabbitMq;

/// <summary>A message the broker pushed to a <see cref="PushConsumer"/> and nobody has taken yet (still unacknowledged).</summary>
internal sealed record Delivery(IChannel Channel, string Lane, ulong DeliveryTag, bool Redelivered, IReadOnlyBasicProperties Properties, byte[] Body)
{
    /// <summary>The consuming channel's unacknowledged tags (none for basic.get).</summary>
    public AckTracker? Acks { get; init; }
}

/// <summary>
/// basic.consume on every lane of one endpoint queue, on a channel of its own with a bounded prefetch (basic.qos per
/// consumer) and manual acks. Deliveries wait here, still unacknowledged and so invisible to other consumers, until a
/// receive takes them (highest priority first, then in arrival order) and leases them like fetched messages. Started by
/// the first wait for messages on the queue (an endpoint that found its queue empty); a plain receive on a queue without
/// one fetches with basic.get as before (tools and tests that receive without waiting see the queue as they did).
/// </summary>
internal sealed class PushConsumer
{
    private readonly ConcurrentQueue<Delivery>[] _byPriority =
        [new ConcurrentQueue<Delivery>(), new ConcurrentQueue<Delivery>(), new ConcurrentQueue<Delivery>(), new ConcurrentQueue<Delivery>()];

    private readonly object _signalLock = new();
    private readonly List<string> _tags = [];
    private readonly AckTracker _acks = new();
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _buffered;
    private long _lastUsed;
    private volatile bool _cancelled;

    private PushConsumer(string queue, IChannel channel)
    {
        Queue = queue;
        Channel = channel;
    }

    public string Queue { get; }

    public IChannel Channel { get; }

    /// <summary>Whether deliveries still come (false once the channel closed or the broker cancelled a consumer).</summary>
    public bool IsLive => !_cancelled && Channel.IsOpen;

    public int Buffered => Volatile.Read(ref _buffered);

    /// <summary>Unix milliseconds of the last receive or wait on the queue.</summary>
    public long LastUsed
    {
        get => Interlocked.Read(ref _lastUsed);
        set => Interlocked.Exchange(ref _lastUsed, value);
    }

    public static async Task<PushConsumer> StartAsync(
        RabbitMqConnection connection, string queue, IReadOnlyList<RabbitMqTopology.Lane> lanes, ushort prefetch, CancellationToken cancellationToken)
    {
        var channel = await connection.CreateChannelAsync(confirms: false, cancellationToken);
        var consumer = new PushConsumer(queue, channel);
        try
        {
            // Per consumer (quorum queues support no channel-wide prefetch): each lane holds at most this many unacknowledged.
            await channel.BasicQosAsync(0, prefetch, global: false, cancellationToken);
            foreach (var lane in lanes)
            {
                var handler = new AsyncEventingBasicConsumer(channel);
                var laneName = lane.Name;
                handler.ReceivedAsync += (_, delivery) =>
                {
                    consumer.Add(new Delivery(channel, laneName, delivery.DeliveryTag, delivery.Redelivered, delivery.BasicProperties, delivery.Body.ToArray())
                    {
                        Acks = consumer._acks,
                    });
                    return Task.CompletedTask;
                };
                handler.UnregisteredAsync += (_, _) =>
                {
                    consumer.Stop();
                    return Task.CompletedTask;
                };
                handler.ShutdownAsync += (_, _) =>
                {
                    consumer.Stop();
                    return Task.CompletedTask;
                };
                consumer._tags.Add(await channel.BasicConsumeAsync(laneName, autoAck: false, handler, cancellationToken));
            }
        }
        catch (Exception)
        {
            await channel.DisposeAsync();
            throw;
        }

        return consumer;
    }

    /// <summary>Takes up to <paramref name="max"/> buffered deliveries, highest priority first, then in arrival order.</summary>
    public List<Delivery> Take(int max)
    {
        var taken = new List<Delivery>(Math.Min(max, Math.Max(1, Buffered)));
        for (var priority = _byPriority.Length - 1; priority >= 0 && taken.Count < max; priority--)
        {
            while (taken.Count < max && _byPriority[priority].TryDequeue(out var delivery))
            {
                Interlocked.Decrement(ref _buffered);
                taken.Add(delivery);
            }
        }

        return taken;
    }

    /// <summary>Waits until a delivery is buffered (or the consumer stopped), or at most <paramref name="maxWait"/>.</summary>
    public async Task WaitAsync(TimeSpan maxWait, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        Task arrived;
        lock (_signalLock)
        {
            if (_arrived.Task.IsCompleted)
            {
                _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            arrived = _arrived.Task;
        }

        if (Buffered > 0 || !IsLive)
        {
            return;
        }

        try
        {
            await arrived.WaitAsync(maxWait, timeProvider, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Nothing came: the caller looks again.
        }
    }

    /// <summary>Cancels the broker-side consumers (best effort); deliveries already buffered stay to be taken or given back.</summary>
    public async Task CancelAsync()
    {
        Stop();
        foreach (var tag in _tags)
        {
            try
            {
                if (Channel.IsOpen)
                {
                    await Channel.BasicCancelAsync(tag);
                }
            }
            catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException)
            {
                // The channel went away: the broker requeued what it held.
            }
        }
    }

    private void Add(Delivery delivery)
    {
        _acks.Delivered(delivery.DeliveryTag);
        var priority = (int)WireFormat.Priority(delivery.Properties) - 1;
        _byPriority[priority].Enqueue(delivery);
        Interlocked.Increment(ref _buffered);
        Signal();
    }

    private void Stop()
    {
        _cancelled = true;
        Signal();
    }

    private void Signal()
    {
        lock (_signalLock)
        {
            _arrived.TrySetResult();
        }
    }
}
