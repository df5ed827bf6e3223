namespace Caravan.Messaging;

/// <summary>How the outbox relay moves committed messages to the transport.</summary>
public sealed class OutboxOptions
{
    /// <summary>Whether this process relays its outbox (off only for tests and tools).</summary>
    public bool RelayEnabled { get; set; } = true;

    public int BatchSize { get; set; } = 200;

    /// <summary>The longest the relay sleeps when nobody wakes it (another process may have written the outbox).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a relay owns the rows it claimed; a crashed relay's rows are taken over after this.</summary>
    public TimeSpan ClaimDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The longest one step of a relay cycle (claim, send, remove) may take before the relay gives it up and starts the
    /// cycle over: a backstop above the transport's and the database's own timeouts (RabbitMQ's confirm timeout is 30 s),
    /// so that a connection that never answers cannot stall the relay.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The ceiling of the backoff between failed relay cycles (an unavailable transport or database).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);
}
