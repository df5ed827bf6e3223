using System.Diagnostics.Metrics;

namespace Caravan.Sagas;

/// <summary>Saga counters: started, transitions by outcome, and messages ignored as late or duplicate.</summary>
public sealed class SagaMetrics
{
    public const string MeterName = "Caravan.Sagas";

    private readonly Counter<long> _started;
    private readonly Counter<long> _finished;
    private readonly Counter<long> _ignored;

    public SagaMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _started = meter.CreateCounter<long>("caravan.sagas.started", description: "Saga instances started.");
        _finished = meter.CreateCounter<long>("caravan.sagas.transitions", description: "Saga instances reaching a status, by status.");
        _ignored = meter.CreateCounter<long>("caravan.sagas.ignored_messages", description: "Late or duplicate replies and stale timeouts ignored.");
    }

    internal void Started(string definition) => _started.Add(1, new KeyValuePair<string, object?>("saga", definition));

    internal void Reached(string definition, SagaStatus status) =>
        _finished.Add(1, new KeyValuePair<string, object?>("saga", definition), new KeyValuePair<string, object?>("status", status.ToString()));

    internal void Ignored(string definition, string kind) =>
        _ignored.Add(1, new KeyValuePair<string, object?>("saga", definition), new KeyValuePair<string, object?>("kind", kind));
}
