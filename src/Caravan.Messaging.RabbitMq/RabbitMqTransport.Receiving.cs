namespace Caravan.Messaging.RabbitMq;

/// <summary>
/// Receiving: from the queue's <see cref="PushConsumer"/> when one runs (an endpoint waiting for messages starts it),
/// otherwise basic.get from the endpoint's lanes, highest priority first, until the batch is full. What is
/// fetched is either leased and returned, or settled on the spot: a message the broker requeued (its
/// consumer's connection died) is counted and put back in line, one that arrived before its time waits
/// again, one that cannot be read is dead-lettered. Nothing fetched is left unacknowledged and untracked.
/// </summary>
public sealed partial class RabbitMqTransport
{
    public async Task<IReadOnlyList<TransportMessage>> ReceiveAsync(
        string queue, int maxMessages, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        await Declarer.EnsureQueueAsync(queue, cancellationToken);
        StartExpiringLeases();
        var now = _timeProvider.GetUtcNow();
        var fetched = new Fetched();
        if (await CurrentConsumerAsync(queue) is { } consumer)
        {
            // Pushed deliveries only: the consumer takes everything the broker would hand out (up to its prefetch).
            consumer.LastUsed = now.ToUnixTimeMilliseconds();
            foreach (var delivery in consumer.Take(maxMessages))
            {
                Sort(queue, delivery, now, leaseDuration, fetched);
            }
        }
        else
        {
            await FetchAsync(queue, maxMessages, leaseDuration, now, fetched, cancellationToken);
        }

        await SettleAsync(fetched, cancellationToken);

        // Lanes are drained highest first and a classic priority queue delivers by priority: a stable sort keeps arrival order within a level.
        return fetched.Received.OrderByDescending(message => message.Envelope.Priority).ToList();
    }

    private async Task FetchAsync(string queue, int maxMessages, TimeSpan leaseDuration, DateTimeOffset now, Fetched fetched, CancellationToken cancellationToken)
    {
        using (await _leasing.LockAsync(cancellationToken))
        {
            var channel = await _leasing.GetAsync(cancellationToken);
            try
            {
                foreach (var lane in Topology.Lanes(queue))
                {
                    while (fetched.Received.Count < maxMessages)
                    {
                        // Never cancelled mid-call: a message fetched but not tracked would sit unacknowledged on the channel.
                        cancellationToken.ThrowIfCancellationRequested();
                        if (await channel.BasicGetAsync(lane.Name, autoAck: false, CancellationToken.None) is not { } result)
                        {
                            break;
                        }

                        Sort(queue, new Delivery(channel, lane.Name, result.DeliveryTag, result.Redelivered, result.BasicProperties, result.Body.ToArray()), now, leaseDuration, fetched);
                    }
                }
            }
            catch (Exception)
            {
                await NackAsync(fetched.Unsettled);
                throw;
            }
        }
    }

    private static Lease ToLease(string queue, Delivery delivery, DateTimeOffset now, TimeSpan leaseDuration) => new()
    {
        Channel = delivery.Channel,
        DeliveryTag = delivery.DeliveryTag,
        Queue = queue,
        Lane = delivery.Lane,
        Properties = delivery.Properties,
        Body = delivery.Body,
        Acks = delivery.Acks,
        DeliveryCount = WireFormat.GetInt32(delivery.Properties, WireFormat.Deliveries) + 1,
        FailureCount = WireFormat.GetInt32(delivery.Properties, WireFormat.Failures),
        ExpiresAt = (now + leaseDuration).ToUnixTimeMilliseconds(),
    };

    private void Sort(string queue, Delivery delivery, DateTimeOffset now, TimeSpan leaseDuration, Fetched fetched)
    {
        var properties = delivery.Properties;
        var lease = ToLease(queue, delivery, now, leaseDuration);
        var failures = lease.FailureCount;
        if (delivery.Redelivered)
        {
            // Requeued by the broker: a delivery that ended without an outcome, counted as such.
            fetched.Requeued.Add(lease);
            return;
        }

        Envelope envelope;
        try
        {
            envelope = WireFormat.Decode(properties, lease.Body, attempt: failures + 1);
        }
        catch (Exception ex) when (WireFormat.IsUnreadable(ex))
        {
            // Unreadable forever: it would come first on every receive.
            fetched.Unreadable.Add((lease, FailureInfo.FromException(DeadLetterReason.DeserializationFailed, ex, 0)));
            return;
        }

        if (envelope.DeliverAt is { } deliverAt && deliverAt > now)
        {
            // Early (a delay beyond the longest bucket, or clocks that disagree): it waits again.
            fetched.Early.Add((lease, deliverAt - now));
            return;
        }

        _leases.Add(lease);
        fetched.Received.Add(new TransportMessage
        {
            Queue = queue,
            Envelope = envelope,
            DeliveryCount = lease.DeliveryCount,
            FailureCount = failures,
            EnqueuedAt = DateTimeOffset.FromUnixTimeMilliseconds(WireFormat.GetInt64(properties, WireFormat.EnqueuedAt, now.ToUnixTimeMilliseconds())),
            LeaseHandle = lease,
        });
    }

    private async Task SettleAsync(Fetched fetched, CancellationToken cancellationToken)
    {
        var giveBack = fetched.Requeued.Select(lease => (lease, Copy(lease, lease.Lane, lease.DeliveryCount, lease.FailureCount))).ToList();
        try
        {
            foreach (var (lease, wait) in fetched.Early)
            {
                var again = WireFormat.Copy(lease.Properties, new Dictionary<string, object?>());
                giveBack.Add((lease, await ViaDelayAsync(lease.Lane, wait, again, lease.Body, cancellationToken)));
            }
        }
        catch (Exception)
        {
            await NackAsync(fetched.Unsettled);
            throw;
        }

        try
        {
            await RepublishAsync(giveBack, cancellationToken);
        }
        catch (Exception)
        {
            await NackAsync(fetched.Unreadable.Select(item => item.Lease));
            throw;
        }

        foreach (var (lease, failure) in fetched.Unreadable)
        {
            await MoveToDeadLettersAsync(lease, failure, cancellationToken);
        }
    }

    private async Task NackAsync(IEnumerable<Lease> leases)
    {
        foreach (var lease in leases)
        {
            await NackAsync(lease);
        }
    }

    /// <summary>What one receive fetched, sorted by what becomes of it.</summary>
    private sealed class Fetched
    {
        public List<TransportMessage> Received { get; } = [];

        public List<Lease> Requeued { get; } = [];

        public List<(Lease Lease, TimeSpan Wait)> Early { get; } = [];

        public List<(Lease Lease, FailureInfo Failure)> Unreadable { get; } = [];

        /// <summary>Fetched, but neither leased nor settled yet.</summary>
        public IEnumerable<Lease> Unsettled =>
            Requeued.Concat(Early.Select(item => item.Lease)).Concat(Unreadable.Select(item => item.Lease));
    }
}
