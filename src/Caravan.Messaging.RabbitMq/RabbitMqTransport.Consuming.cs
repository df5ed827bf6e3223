using System.Collections.Concurrent;

namespace Caravan.Messaging.RabbitMq;

/// <summary>
/// Push consumption (<see cref="PushConsumer"/>): the first wait for messages on a queue starts a consumer for it, and
/// receives take its deliveries from then on. A consumer nobody receives from for <see cref="RabbitMqTransportOptions.ConsumerIdleTimeout"/>
/// is cancelled and what it buffered is given back without counting a delivery (as a release does), so an idle process
/// never sits on messages other consumers could take. A consumer whose channel closed is dropped: the broker requeued
/// everything it held, and the next wait starts a new one.
/// </summary>
public sealed partial class RabbitMqTransport
{
    private readonly ConcurrentDictionary<string, PushConsumer> _consumers = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _consumersGate = new(1, 1);

    public async Task WaitForMessagesAsync(string queue, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        await Declarer.EnsureQueueAsync(queue, cancellationToken);
        StartExpiringLeases();
        var consumer = await CurrentConsumerAsync(queue);
        if (consumer is null || !consumer.IsLive)
        {
            await _consumersGate.WaitAsync(cancellationToken);
            try
            {
                consumer = await CurrentConsumerAsync(queue);
                if (consumer is null)
                {
                    consumer = await PushConsumer.StartAsync(_connection, queue, Topology.Lanes(queue), _options.ConsumerPrefetch, cancellationToken);
                    _consumers[queue] = consumer;
                }
            }
            finally
            {
                _consumersGate.Release();
            }
        }

        consumer.LastUsed = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        await consumer.WaitAsync(maxWait, _timeProvider, cancellationToken);
    }

    /// <summary>
    /// The queue's consumer while it delivers or still holds deliveries; a stopped one is dropped (and its channel
    /// closed) once it holds nothing, or at once when its channel is gone (the broker requeued its deliveries).
    /// </summary>
    private async Task<PushConsumer?> CurrentConsumerAsync(string queue)
    {
        if (!_consumers.TryGetValue(queue, out var consumer))
        {
            return null;
        }

        if (consumer.IsLive || (consumer.Channel.IsOpen && consumer.Buffered > 0))
        {
            return consumer;
        }

        if (_consumers.TryRemove(new KeyValuePair<string, PushConsumer>(queue, consumer)))
        {
            consumer.Take(int.MaxValue);
            await consumer.Channel.DisposeAsync();
        }

        return null;
    }

    private int BufferedFor(string queue) => _consumers.TryGetValue(queue, out var consumer) ? consumer.Buffered : 0;

    /// <summary>Stops the consumers nobody received from for a while (see the type's summary).</summary>
    private async Task StopIdleConsumersAsync(CancellationToken cancellationToken)
    {
        var idleSince = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds() - (long)_options.ConsumerIdleTimeout.TotalMilliseconds;
        foreach (var (queue, consumer) in _consumers)
        {
            if (consumer.LastUsed < idleSince && _consumers.TryRemove(new KeyValuePair<string, PushConsumer>(queue, consumer)))
            {
                await StopConsumerAsync(consumer, cancellationToken);
            }
        }
    }

    private async Task StopConsumerAsync(PushConsumer consumer, CancellationToken cancellationToken)
    {
        try
        {
            await consumer.CancelAsync();
            var now = _timeProvider.GetUtcNow();
            var leases = consumer.Take(int.MaxValue).Select(delivery => (Delivery: delivery, Lease: ToLease(consumer.Queue, delivery, now, TimeSpan.Zero))).ToList();

            // Not received: given back uncounted, unless the broker had requeued it before (that delivery counts, as on a receive).
            await RepublishAsync(
                leases.Select(item => (item.Lease, Copy(item.Lease, item.Lease.Lane, item.Lease.DeliveryCount - (item.Delivery.Redelivered ? 0 : 1), item.Lease.FailureCount))).ToList(),
                cancellationToken);
        }
        finally
        {
            // Whatever is still unacknowledged on it goes back to its queue with the channel.
            await consumer.Channel.DisposeAsync();
        }
    }

    private async Task StopConsumersAsync()
    {
        foreach (var queue in _consumers.Keys)
        {
            if (_consumers.TryRemove(queue, out var consumer))
            {
                try
                {
                    await StopConsumerAsync(consumer, CancellationToken.None);
                }
                catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.RabbitMQClientException or IOException or TimeoutException or OperationCanceledException)
                {
                    // The broker requeues what the closed channel held.
                    LogSettleLost(_logger, ex, queue);
                }
            }
        }
    }
}
