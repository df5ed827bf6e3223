using System.Collections.Concurrent;
using RabbitMQ.Client;

namespace Caravan.Messaging.RabbitMq;

/// <summary>
/// Declares the topology of <see cref="RabbitMqTopology"/> lazily and idempotently, remembering what this
/// process declared so that each exchange, queue and binding costs one round trip per connection.
/// Declaring a queue that exists with other arguments (say, classic switched to quorum) fails loudly.
/// </summary>
internal sealed class TopologyDeclarer(ChannelSlot slot, RabbitMqTopology topology)
{
    private readonly ConcurrentDictionary<string, byte> _declared = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _queues = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _exchanges = new(StringComparer.Ordinal);

    /// <summary>Every queue this process declared (for diagnostics, and for tests that clean up after themselves).</summary>
    public IReadOnlyCollection<string> Queues => (IReadOnlyCollection<string>)_queues.Keys;

    /// <summary>Every exchange this process declared.</summary>
    public IReadOnlyCollection<string> Exchanges => (IReadOnlyCollection<string>)_exchanges.Keys;

    /// <summary>After a reconnect everything is declared again, in case the broker lost it.</summary>
    public void Forget() => _declared.Clear();

    public Task EnsureBaseAsync(CancellationToken cancellationToken) => OnceAsync("base", async (channel, token) =>
    {
        await channel.ExchangeDeclareAsync(topology.DelayedExchange, ExchangeType.Direct, durable: true, autoDelete: false, cancellationToken: token);
        await channel.QueueDeclareAsync(topology.Directory, durable: true, exclusive: false, autoDelete: false, cancellationToken: token);
        _exchanges[topology.DelayedExchange] = 0;
        _queues[topology.Directory] = 0;
    }, cancellationToken);

    public async Task EnsureQueueAsync(string queue, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        await EnsureBaseAsync(cancellationToken);
        await OnceAsync("q:" + queue, async (channel, token) =>
        {
            await channel.QueueDeclareAsync(topology.DeadLetterQueue(queue), durable: true, exclusive: false, autoDelete: false, cancellationToken: token);
            _queues[topology.DeadLetterQueue(queue)] = 0;
            foreach (var lane in topology.Lanes(queue))
            {
                await channel.QueueDeclareAsync(lane.Name, durable: true, exclusive: false, autoDelete: false, topology.LaneArguments(queue), cancellationToken: token);
                _queues[lane.Name] = 0;
                await channel.QueueBindAsync(lane.Name, topology.DelayedExchange, lane.Name, cancellationToken: token);
            }
        }, cancellationToken);
    }

    public async Task EnsureTypeAsync(string messageType, CancellationToken cancellationToken)
    {
        await EnsureBaseAsync(cancellationToken);
        await OnceAsync("x:" + messageType, async (channel, token) =>
        {
            var exchange = topology.TypeExchange(messageType);
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Headers, durable: true, autoDelete: false, cancellationToken: token);
            _exchanges[exchange] = 0;
            await channel.ExchangeBindAsync(exchange, topology.DelayedExchange, exchange, cancellationToken: token);
        }, cancellationToken);
    }

    public async Task BindAsync(string queue, string messageType, CancellationToken cancellationToken)
    {
        await EnsureQueueAsync(queue, cancellationToken);
        await EnsureTypeAsync(messageType, cancellationToken);
        await OnceAsync($"b:{queue}\n{messageType}", async (channel, token) =>
        {
            foreach (var lane in topology.Lanes(queue))
            {
                await channel.QueueBindAsync(lane.Name, topology.TypeExchange(messageType), string.Empty, RabbitMqTopology.BindingArguments(lane), cancellationToken: token);
            }
        }, cancellationToken);
    }

    public Task EnsureDelayAsync(long milliseconds, CancellationToken cancellationToken) => OnceAsync("d:" + milliseconds, async (channel, token) =>
    {
        var name = topology.DelayBucket(milliseconds);
        await channel.ExchangeDeclareAsync(name, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: token);
        await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, topology.DelayArguments(milliseconds), cancellationToken: token);
        await channel.QueueBindAsync(name, name, string.Empty, cancellationToken: token);
        _exchanges[name] = 0;
        _queues[name] = 0;
    }, cancellationToken);

    /// <summary>Ready (not leased) messages in the endpoint's lanes, by passive declaration.</summary>
    public async Task<long> ReadyCountAsync(string queue, CancellationToken cancellationToken)
    {
        await EnsureQueueAsync(queue, cancellationToken);
        using var use = await slot.LockAsync(cancellationToken);
        try
        {
            return await slot.RunAsync("counting ready messages", async (channel, token) =>
            {
                long ready = 0;
                foreach (var lane in topology.Lanes(queue))
                {
                    ready += (await channel.QueueDeclarePassiveAsync(lane.Name, token)).MessageCount;
                }

                return ready;
            }, cancellationToken);
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            // Not found (deleted by hand): declared again on the next call.
            Forget();
            throw;
        }
    }

    private async Task OnceAsync(string key, Func<IChannel, CancellationToken, Task> declare, CancellationToken cancellationToken)
    {
        if (_declared.ContainsKey(key))
        {
            return;
        }

        using var use = await slot.LockAsync(cancellationToken);
        if (_declared.ContainsKey(key))
        {
            return;
        }

        await slot.RunAsync("declaring " + key, async (channel, token) => { await declare(channel, token); return true; }, cancellationToken);
        _declared[key] = 0;
    }
}
