namespace Caravan.Messaging;

/// <summary>How one endpoint consumes its queue.</summary>
public sealed class ConsumerOptions
{
    /// <summary>Messages handled at the same time.</summary>
    public int Concurrency { get; set; } = 4;

    /// <summary>Messages leased and not yet handled (waiting or being handled), at most.</summary>
    public int Prefetch { get; set; } = 64;

    /// <summary>
    /// Ready messages one handler task takes at once and handles in one database transaction (a failing one
    /// is rolled back alone: the batch is then handled again with a savepoint per message). 1 gives every
    /// message its own transaction.
    /// </summary>
    public int MaxBatchSize { get; set; } = 32;

    /// <summary>How long a leased message stays invisible; leases of live consumers are renewed at a third of it.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest an idle consumer waits before looking at the queue again, doorbell or not.</summary>
    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A message leased this many times without any outcome (its consumers died or lost the lease
    /// each time) is dead-lettered as poison instead of taking consumers down forever.
    /// </summary>
    public int MaxDeliveriesWithoutOutcome { get; set; } = 10;

    internal void Validate(string endpoint)
    {
        if (Concurrency < 1 || Prefetch < Concurrency)
        {
            throw new InvalidOperationException(
                $"Endpoint '{endpoint}': Concurrency must be at least 1 and Prefetch at least Concurrency (got {Concurrency} and {Prefetch}).");
        }

        if (MaxBatchSize < 1)
        {
            throw new InvalidOperationException($"Endpoint '{endpoint}': MaxBatchSize must be at least 1 (got {MaxBatchSize}).");
        }

        if (LeaseDuration < TimeSpan.FromMilliseconds(100))
        {
            throw new InvalidOperationException($"Endpoint '{endpoint}': LeaseDuration must be at least 100 ms.");
        }
    }
}
