using System.Diagnostics;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Caravan.Messaging;

/// <summary>
/// The "Caravan.Messaging" meter: counters for each step of a message's life, handler duration,
/// and gauges for the outbox backlog and queue depth (sampled every MetricsInterval).
/// </summary>
public sealed class MessagingMetrics
{
    public const string MeterName = "Caravan.Messaging";

    private readonly Counter<long> _published;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _handled;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _relayFailures;
    private readonly Counter<long> _consumerPauses;
    private readonly Histogram<double> _handlerDuration;
    private readonly ConcurrentDictionary<string, long> _queueDepths = new(StringComparer.Ordinal);
    private long _outboxBacklog;
    private Func<double>? _relayIdleAge;

    public MessagingMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _published = meter.CreateCounter<long>("caravan.messaging.published", "{message}", "Messages handed to the transport by the outbox relay.");
        _delivered = meter.CreateCounter<long>("caravan.messaging.delivered", "{message}", "Messages leased from a queue.");
        _handled = meter.CreateCounter<long>("caravan.messaging.handled", "{message}", "Messages whose handlers committed.");
        _duplicates = meter.CreateCounter<long>("caravan.messaging.duplicates", "{message}", "Redelivered messages the inbox recognised and skipped.");
        _retried = meter.CreateCounter<long>("caravan.messaging.retried", "{message}", "Failed handlings scheduled for a delayed retry.");
        _deadLettered = meter.CreateCounter<long>("caravan.messaging.dead_lettered", "{message}", "Messages moved to the dead-letter queue.");
        _relayFailures = meter.CreateCounter<long>("caravan.messaging.relay.failures", "{attempt}", "Failed attempts of the outbox relay to reach the transport.");
        _consumerPauses = meter.CreateCounter<long>(
            "caravan.messaging.consumer.paused", "{pause}", "Times a queue's consumer paused because the service's database could not be reached.");
        _handlerDuration = meter.CreateHistogram<double>("caravan.messaging.handler.duration", "s", "Time spent handling one message, commit included.");
        meter.CreateObservableGauge("caravan.messaging.outbox.backlog", () => Volatile.Read(ref _outboxBacklog), "{message}", "Committed messages not yet confirmed by the transport.");
        meter.CreateObservableGauge("caravan.messaging.relay.idle_age", ObserveRelayIdleAge, "s", "Seconds since the outbox relay last completed a cycle (claim, send, remove); grows while it is failing or stuck.");
        meter.CreateObservableGauge("caravan.messaging.queue.depth", ObserveQueueDepths, "{message}", "Messages in a queue, leased or not.");
    }

    internal void Published(int count) => _published.Add(count);

    internal void Delivered(string queue, int count) => _delivered.Add(count, new KeyValuePair<string, object?>("messaging.destination.name", queue));

    internal void Handled(string queue, string messageType, TimeSpan duration)
    {
        var tags = new TagList { { "messaging.destination.name", queue }, { "caravan.message.type", messageType } };
        _handled.Add(1, tags);
        _handlerDuration.Record(duration.TotalSeconds, tags);
    }

    internal void Duplicate(string queue) => _duplicates.Add(1, new KeyValuePair<string, object?>("messaging.destination.name", queue));

    internal void Retried(string queue, string messageType) =>
        _retried.Add(1, new TagList { { "messaging.destination.name", queue }, { "caravan.message.type", messageType } });

    internal void DeadLettered(string queue, string messageType, DeadLetterReason reason) =>
        _deadLettered.Add(1, new TagList { { "messaging.destination.name", queue }, { "caravan.message.type", messageType }, { "caravan.dead_letter.reason", reason.ToString() } });

    internal void RelayFailed() => _relayFailures.Add(1);

    internal void ConsumerPaused(string queue) => _consumerPauses.Add(1, new KeyValuePair<string, object?>("messaging.destination.name", queue));

    internal void SetOutboxBacklog(long value) => Volatile.Write(ref _outboxBacklog, value);

    /// <summary>Reports how long ago <paramref name="relay"/> last completed a cycle (the relay registers itself when it starts).</summary>
    internal void ObserveRelay(OutboxRelay relay, TimeProvider timeProvider) =>
        Volatile.Write(ref _relayIdleAge, () => (timeProvider.GetUtcNow() - relay.LastCycleAt).TotalSeconds);

    internal void SetQueueDepth(string queue, long depth) => _queueDepths[queue] = depth;

    private IEnumerable<Measurement<double>> ObserveRelayIdleAge()
    {
        if (Volatile.Read(ref _relayIdleAge) is { } idleAge)
        {
            yield return new Measurement<double>(idleAge());
        }
    }

    private IEnumerable<Measurement<long>> ObserveQueueDepths()
    {
        foreach (var (queue, depth) in _queueDepths)
        {
            yield return new Measurement<long>(depth, new KeyValuePair<string, object?>("messaging.destination.name", queue));
        }
    }
}
