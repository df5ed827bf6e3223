namespace Caravan.Messaging.RabbitMq;

/// <summary>
/// The unacknowledged delivery tags of one consuming channel, so that completions covering every unacknowledged
/// tag up to some tag go to the broker as one <c>basic.ack</c> with <c>multiple</c> set instead of one ack each.
/// A tag is added when delivered and removed only after its ack or nack was sent, so a multiple ack never covers a
/// delivery someone else still holds: at worst a stale tag keeps later completions acknowledged one by one.
/// </summary>
internal sealed class AckTracker
{
    private readonly SortedSet<ulong> _unacknowledged = [];
    private readonly object _lock = new();

    public void Delivered(ulong deliveryTag)
    {
        lock (_lock)
        {
            _unacknowledged.Add(deliveryTag);
        }
    }

    public void Settled(ulong deliveryTag)
    {
        lock (_lock)
        {
            _unacknowledged.Remove(deliveryTag);
        }
    }

    /// <summary>
    /// The highest tag whose multiple ack settles only deliveries among <paramref name="completing"/> (every
    /// unacknowledged tag up to it is one of them), or 0 when that would cover fewer than two.
    /// </summary>
    public ulong HighestContiguous(IReadOnlySet<ulong> completing)
    {
        lock (_lock)
        {
            ulong highest = 0;
            var covered = 0;
            foreach (var tag in _unacknowledged)
            {
                if (!completing.Contains(tag))
                {
                    break;
                }

                highest = tag;
                covered++;
            }

            return covered >= 2 ? highest : 0;
        }
    }
}
