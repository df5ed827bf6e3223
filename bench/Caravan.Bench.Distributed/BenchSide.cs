namespace Caravan.Bench.Distributed;

/// <summary>
/// One system under test: a producer that commits a business row and the message in one PostgreSQL transaction
/// (where the system can), and a consumer that handles each message once, writing a row in the handler's transaction.
/// </summary>
internal abstract class BenchSide : IAsyncDisposable
{
    protected BenchSide(BenchOptions options, Recorder recorder, string runId)
    {
        Options = options;
        Recorder = recorder;
        RunId = runId;
    }

    public abstract string Name { get; }

    protected BenchOptions Options { get; }

    protected Recorder Recorder { get; }

    /// <summary>Makes queue and database names of this invocation its own.</summary>
    protected string RunId { get; }

    /// <summary>Creates databases and topology, starts the consumer and the producer.</summary>
    public abstract Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Produces one message (returns once it is committed, or, for the raw side, confirmed).</summary>
    public abstract Task ProduceAsync(BenchMessage message, CancellationToken cancellationToken);

    /// <summary>Where unhandled messages wait right now (for the log), when the side can tell.</summary>
    public virtual Task<string> BacklogAsync(CancellationToken cancellationToken) => Task.FromResult(string.Empty);

    public abstract ValueTask DisposeAsync();
}
