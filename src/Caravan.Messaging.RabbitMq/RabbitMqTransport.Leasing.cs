using RabbitMQ.Client.Exceptions;

namespace Caravan.Messaging.RabbitMq;

/// <summary>
/// Leasing on RabbitMQ. AMQP has no visibility timeout, so leases live in this process (<see cref="LeaseTable"/>).
/// A message is never requeued with basic.nack on purpose: settling it "for later" republishes a copy with the
/// transport's counters in headers (confirmed), then acks the original. So the delivery count survives (the
/// broker keeps none for classic queues), and a message requeued by the broker itself (its consumer's
/// connection died) is recognised by its redelivered flag and counted once more.
/// </summary>
public sealed partial class RabbitMqTransport
{
    public async Task CompleteAsync(IReadOnlyList<TransportMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var taken = new List<Lease>(messages.Count);
        foreach (var message in messages)
        {
            var lease = (Lease)message.LeaseHandle;
            if (_leases.TryTake(lease))
            {
                taken.Add(lease);
            }
        }

        // Pushed deliveries of one channel that cover every unacknowledged tag up to some tag: one multiple ack.
        foreach (var byChannel in taken.GroupBy(static lease => lease.Channel))
        {
            var leases = byChannel.ToList();
            var acks = leases[0].Acks;
            var upTo = acks is not null && leases.Count > 1 && byChannel.Key.IsOpen
                ? acks.HighestContiguous(leases.Select(static lease => lease.DeliveryTag).ToHashSet())
                : 0;
            if (upTo > 0 && !await TryAckUpToAsync(byChannel.Key, upTo, leases[0].Queue, cancellationToken))
            {
                continue;
            }

            foreach (var lease in leases)
            {
                if (lease.DeliveryTag <= upTo)
                {
                    acks!.Settled(lease.DeliveryTag);
                }
                else
                {
                    await AckAsync(lease, cancellationToken);
                }
            }
        }
    }

    /// <summary>One ack of every unacknowledged delivery up to <paramref name="deliveryTag"/>; false when the channel went away.</summary>
    private async Task<bool> TryAckUpToAsync(RabbitMQ.Client.IChannel channel, ulong deliveryTag, string queue, CancellationToken cancellationToken)
    {
        try
        {
            await channel.BasicAckAsync(deliveryTag, multiple: true, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException)
        {
            // The channel went away: the broker requeues the messages and the inbox absorbs the repeats.
            LogSettleLost(_logger, ex, queue);
            return false;
        }
    }

    public async Task RetryLaterAsync(TransportMessage message, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var lease = (Lease)message.LeaseHandle;
        if (!_leases.TryTake(lease))
        {
            return;
        }

        var copy = Copy(lease, lease.Lane, lease.DeliveryCount, lease.FailureCount + 1);
        if (delay > TimeSpan.Zero)
        {
            try
            {
                copy = await ViaDelayAsync(copy.RoutingKey, delay, copy.Properties, copy.Body, cancellationToken);
            }
            catch (Exception)
            {
                await NackAsync(lease);
                throw;
            }
        }

        await RepublishAsync([(lease, copy)], cancellationToken);
    }

    public async Task ReleaseAsync(IReadOnlyList<TransportMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var taken = messages.Select(message => (Lease)message.LeaseHandle).Where(_leases.TryTake).ToList();

        // Given back unhandled: this delivery is not counted.
        await RepublishAsync(taken.Select(lease => (lease, Copy(lease, lease.Lane, lease.DeliveryCount - 1, lease.FailureCount))).ToList(), cancellationToken);
    }

    public Task RenewLeasesAsync(IReadOnlyList<TransportMessage> messages, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var expiresAt = (_timeProvider.GetUtcNow() + leaseDuration).ToUnixTimeMilliseconds();
        foreach (var message in messages)
        {
            var lease = (Lease)message.LeaseHandle;
            if (_leases.Holds(lease))
            {
                lease.ExpiresAt = expiresAt;
            }
        }

        return Task.CompletedTask;
    }

    public async Task DeadLetterAsync(TransportMessage message, FailureInfo failure, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(failure);
        var lease = (Lease)message.LeaseHandle;
        if (_leases.TryTake(lease))
        {
            await MoveToDeadLettersAsync(lease, failure, cancellationToken);
        }
    }

    private async Task MoveToDeadLettersAsync(Lease lease, FailureInfo failure, CancellationToken cancellationToken)
    {
        try
        {
            await ((RabbitMqDeadLetterQueue)DeadLetters).RegisterAsync(lease.Queue, cancellationToken);
        }
        catch (Exception)
        {
            await NackAsync(lease);
            throw;
        }

        var headers = WireFormat.FailureHeaders(failure, NextDeadLetterId(), lease.Queue, _timeProvider.GetUtcNow());
        headers[WireFormat.Deliveries] = lease.DeliveryCount;
        headers[WireFormat.Failures] = lease.FailureCount;
        var copy = new OutgoingAmqpMessage(string.Empty, Topology.DeadLetterQueue(lease.Queue), Mandatory: true, WireFormat.Copy(lease.Properties, headers), lease.Body);
        await RepublishAsync([(lease, copy)], cancellationToken);
    }

    private static OutgoingAmqpMessage Copy(Lease lease, string lane, int deliveries, int failures) =>
        new(string.Empty, lane, Mandatory: true, WireFormat.Copy(lease.Properties, new Dictionary<string, object?>
        {
            [WireFormat.Deliveries] = deliveries,
            [WireFormat.Failures] = failures,
        }), lease.Body);

    /// <summary>
    /// Publishes the copies (confirmed), then acks the originals. If the copies cannot be confirmed the originals
    /// are requeued instead (or, with their channel gone, the broker already did): never lost, at worst duplicated.
    /// </summary>
    private async Task RepublishAsync(List<(Lease Lease, OutgoingAmqpMessage Copy)> messages, CancellationToken cancellationToken)
    {
        // With its channel closed the broker has requeued the original already: a copy would be a duplicate.
        messages = messages.Where(message => message.Lease.Channel.IsOpen).ToList();
        if (messages.Count == 0)
        {
            return;
        }

        try
        {
            await Publisher.PublishAsync(messages.Select(message => message.Copy).ToList(), cancellationToken);
        }
        catch (Exception ex)
        {
            LogRepublishFailed(_logger, ex, messages.Count);
            foreach (var (lease, _) in messages)
            {
                await NackAsync(lease);
            }

            throw;
        }

        foreach (var (lease, _) in messages)
        {
            await AckAsync(lease, cancellationToken);
        }
    }

    private async Task AckAsync(Lease lease, CancellationToken cancellationToken)
    {
        try
        {
            if (lease.Channel.IsOpen)
            {
                await lease.Channel.BasicAckAsync(lease.DeliveryTag, multiple: false, cancellationToken);
                lease.Acks?.Settled(lease.DeliveryTag);
            }
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException)
        {
            // The channel went away: the broker requeues the message and the inbox absorbs the repeat.
            LogSettleLost(_logger, ex, lease.Queue);
        }
    }

    private async Task NackAsync(Lease lease)
    {
        try
        {
            if (lease.Channel.IsOpen)
            {
                await lease.Channel.BasicNackAsync(lease.DeliveryTag, multiple: false, requeue: true);
                lease.Acks?.Settled(lease.DeliveryTag);
            }
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException)
        {
            LogSettleLost(_logger, ex, lease.Queue);
        }
    }

    private async Task ExpireLeasesAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.LeaseCheckInterval, _timeProvider, stopping);
                var expired = _leases.TakeExpired(_timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
                if (expired.Count > 0)
                {
                    LogLeasesExpired(_logger, expired.Count);
                    await RepublishAsync(expired.Select(lease => (lease, Copy(lease, lease.Lane, lease.DeliveryCount, lease.FailureCount))).ToList(), stopping);
                }

                await StopIdleConsumersAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The originals were requeued (or their channel is gone): they come back either way.
                LogExpiryFailed(_logger, ex);
            }
        }
    }
}
