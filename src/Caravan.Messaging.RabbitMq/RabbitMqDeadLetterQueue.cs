using RabbitMQ.Client;

namespace Caravan.Messaging.RabbitMq;

/// <summary>
/// The dead-letter API on RabbitMQ. Each consuming queue has a durable dead-letter queue whose messages carry
/// the failure in headers; the queues are found through a small directory queue (one message per endpoint),
/// so no management plugin is needed. A queue cannot be browsed in place, so reading fetches a dead-letter
/// queue's messages with basic.get on a channel of its own and requeues them (a classic queue puts them back
/// where they were); replaying publishes a fresh copy to the endpoint (confirmed) and acks the dead letter,
/// purging acks it. Every call reads the whole dead-letter queue: dead letters are for operators, kept few.
/// While one call holds a queue's dead letters, a concurrent call sees fewer of them.
/// </summary>
internal sealed class RabbitMqDeadLetterQueue(RabbitMqTransport transport) : IDeadLetterQueue
{
    private readonly HashSet<string> _registered = new(StringComparer.Ordinal);

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return await ReadAsync(query, query.Limit ?? DeadLetterQuery.DefaultListLimit, settle: null, cancellationToken);
    }

    public async Task<DeadLetter?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        var found = await ReadAsync(DeadLetterQuery.All, 1, settle: null, cancellationToken, onlyId: id);
        return found.Count == 1 ? found[0] : null;
    }

    public async Task<long> CountAsync(DeadLetterQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return (await ReadAsync(query, query.Limit ?? int.MaxValue, settle: null, cancellationToken)).Count;
    }

    public async Task<bool> ReplayAsync(long id, CancellationToken cancellationToken = default)
    {
        var replayed = await ReadAsync(DeadLetterQuery.All, 1, ReplayAsync, cancellationToken, onlyId: id);
        return replayed.Count == 1;
    }

    public async Task<int> ReplayAsync(DeadLetterQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return (await ReadAsync(query, query.Limit ?? int.MaxValue, ReplayAsync, cancellationToken)).Count;
    }

    public async Task<int> PurgeAsync(DeadLetterQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return (await ReadAsync(query, query.Limit ?? int.MaxValue, static (_, _) => Task.CompletedTask, cancellationToken)).Count;
    }

    /// <summary>Records in the directory that <paramref name="queue"/> has a dead-letter queue (once per process and queue).</summary>
    internal async Task RegisterAsync(string queue, CancellationToken cancellationToken)
    {
        lock (_registered)
        {
            if (_registered.Contains(queue))
            {
                return;
            }
        }

        await transport.Declarer.EnsureQueueAsync(queue, cancellationToken);
        if (!(await ReadDirectoryAsync(cancellationToken)).Contains(queue))
        {
            var properties = new BasicProperties { Persistent = true };
            await transport.Publisher.PublishAsync(
                [new OutgoingAmqpMessage(string.Empty, transport.Topology.Directory, Mandatory: true, properties, System.Text.Encoding.UTF8.GetBytes(queue))],
                cancellationToken);
        }

        lock (_registered)
        {
            _registered.Add(queue);
        }
    }

    /// <summary>
    /// Reads the dead letters matching <paramref name="query"/>, lowest id first, at most <paramref name="limit"/>;
    /// when <paramref name="settle"/> is given, each of those is settled with it and then removed.
    /// </summary>
    private async Task<List<DeadLetter>> ReadAsync(
        DeadLetterQuery query,
        int limit,
        Func<Held, CancellationToken, Task>? settle,
        CancellationToken cancellationToken,
        long? onlyId = null)
    {
        await transport.Declarer.EnsureBaseAsync(cancellationToken);
        var queues = await ReadDirectoryAsync(cancellationToken);
        if (query.Queue is not null)
        {
            queues = queues.Contains(query.Queue) ? [query.Queue] : [];
        }

        var channels = new List<IChannel>();
        try
        {
            var held = new List<Held>();
            foreach (var queue in queues)
            {
                var channel = await transport.Connection.CreateChannelAsync(confirms: false, cancellationToken);
                channels.Add(channel);
                while (await channel.BasicGetAsync(transport.Topology.DeadLetterQueue(queue), autoAck: false, cancellationToken) is { } result)
                {
                    var letter = DeadLetterReader.Read(queue, result);
                    if (Matches(letter, query) && (onlyId is null || letter.Id == onlyId))
                    {
                        held.Add(new Held(channel, result, letter));
                    }
                }
            }

            // OrderBy is stable: equal ids (messages dead-lettered by the broker itself) keep queue order.
            var chosen = held.OrderBy(item => item.Letter.Id).Take(limit).ToList();
            if (settle is not null)
            {
                foreach (var item in chosen)
                {
                    await settle(item, cancellationToken);
                    await item.Channel.BasicAckAsync(item.Result.DeliveryTag, multiple: false, cancellationToken);
                }
            }

            return chosen.Select(item => item.Letter).ToList();
        }
        finally
        {
            // Closing a channel requeues what it still holds, in place.
            foreach (var channel in channels)
            {
                await CloseAsync(channel);
            }
        }
    }

    private async Task ReplayAsync(Held item, CancellationToken cancellationToken)
    {
        var letter = item.Letter;
        await transport.Declarer.EnsureQueueAsync(letter.Queue, cancellationToken);
        var properties = WireFormat.Copy(item.Result.BasicProperties, WireFormat.FreshStart(transport.TimeProvider.GetUtcNow()));
        await transport.Publisher.PublishAsync(
            [new OutgoingAmqpMessage(string.Empty, transport.Topology.LaneName(letter.Queue, letter.Envelope.Priority), Mandatory: true, properties, item.Result.Body.ToArray())],
            cancellationToken);
    }

    private async Task<List<string>> ReadDirectoryAsync(CancellationToken cancellationToken)
    {
        var names = new List<string>();
        var channel = await transport.Connection.CreateChannelAsync(confirms: false, cancellationToken);
        try
        {
            while (await channel.BasicGetAsync(transport.Topology.Directory, autoAck: false, cancellationToken) is { } result)
            {
                var name = System.Text.Encoding.UTF8.GetString(result.Body.Span);
                if (!names.Contains(name, StringComparer.Ordinal))
                {
                    names.Add(name);
                }
            }
        }
        finally
        {
            await CloseAsync(channel);
        }

        return names;
    }

    private static bool Matches(DeadLetter letter, DeadLetterQuery query) =>
        (query.MessageType is null || letter.Envelope.MessageType == query.MessageType)
        && (query.From is not { } from || letter.DeadLetteredAt >= from)
        && (query.To is not { } to || letter.DeadLetteredAt < to)
        && (query.AfterId is not { } afterId || letter.Id > afterId);

    private static async Task CloseAsync(IChannel channel)
    {
        try
        {
            if (channel.IsOpen)
            {
                await channel.CloseAsync();
            }
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or IOException)
        {
            // Gone with the connection: the broker requeued everything the channel held.
        }

        await channel.DisposeAsync();
    }

    private sealed record Held(IChannel Channel, BasicGetResult Result, DeadLetter Letter);
}
