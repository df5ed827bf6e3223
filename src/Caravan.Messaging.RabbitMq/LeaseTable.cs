using System.Collections.Concurrent;

namespace Caravan.Messaging.RabbitMq;

/// <summary>
/// The leases this process holds. Taking a lease out of the table is what entitles a caller to settle its
/// message, so a completion racing an expiry settles it once: whoever takes it first.
/// </summary>
internal sealed class LeaseTable
{
    private readonly ConcurrentDictionary<Lease, byte> _leases = new(ReferenceEqualityComparer.Instance);

    public void Add(Lease lease) => _leases[lease] = 0;

    public bool TryTake(Lease lease) => _leases.TryRemove(lease, out _);

    public bool Holds(Lease lease) => _leases.ContainsKey(lease);

    public int CountFor(string queue) => _leases.Keys.Count(lease => lease.Queue == queue);

    /// <summary>Takes the leases past their deadline; leases of closed channels are dropped (the broker requeued those).</summary>
    public List<Lease> TakeExpired(long now)
    {
        var expired = new List<Lease>();
        foreach (var lease in _leases.Keys)
        {
            if (!lease.Channel.IsOpen)
            {
                _leases.TryRemove(lease, out _);
            }
            else if (lease.ExpiresAt <= now && _leases.TryRemove(lease, out _))
            {
                expired.Add(lease);
            }
        }

        return expired;
    }
}
