using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Caravan.Messaging.Tests.Telemetry;

public sealed class MessagingTelemetryTests : IDisposable
{
    private readonly TestDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<MessagingHost> StartAsync(string service, Action<MessagingBuilder>? configure = null) =>
        MessagingHost.StartAsync(service, m => m.UseSqliteTransport(_folder.File("broker.db")), _folder.File(service + ".db"), configure);

    [Fact]
    public async Task ProcessSpan_IsAChildOfThePublishSpan_ThroughTheEnvelopesTraceparent()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == MessagingTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var orderId = Guid.NewGuid();
        await using var consumer = await StartAsync("billing", m => m.Handle<OrderPlaced>((_, _, _) => Task.CompletedTask));
        await using var producer = await StartAsync("orders");

        var messageId = (await producer.Bus.PublishAsync(new OrderPlaced(orderId, 1m))).ToString();

        // Other tests run in parallel in this process: look only at this message's spans.
        bool Ours(Activity span) => (string?)span.GetTagItem("messaging.message.id") == messageId;
        await Eventually.HoldsAsync(() => spans.Any(s => Ours(s) && s.Kind == ActivityKind.Consumer), "the process span ends");
        var publish = Assert.Single(spans, s => Ours(s) && s.Kind == ActivityKind.Producer);
        var process = Assert.Single(spans, s => Ours(s) && s.Kind == ActivityKind.Consumer);
        Assert.Equal(publish.TraceId, process.TraceId);
        Assert.Equal(publish.SpanId, process.ParentSpanId);
        Assert.Equal("test.order-placed", process.GetTagItem("caravan.message.type"));
    }

    [Fact]
    public async Task Meter_CountsPublishedHandledRetriedAndDeadLettered()
    {
        var calls = 0;
        await using var host = await StartAsync("pinged", m => m.Handle<Ping>((ping, _, _) =>
        {
            Interlocked.Increment(ref calls);
            return ping.Number < 0 ? throw new InvalidOperationException("negative") : Task.CompletedTask;
        }));
        var meters = host.Services.GetRequiredService<IMeterFactory>();
        using var published = new MetricCollector<long>(meters, MessagingMetrics.MeterName, "caravan.messaging.published");
        using var handled = new MetricCollector<long>(meters, MessagingMetrics.MeterName, "caravan.messaging.handled");
        using var retried = new MetricCollector<long>(meters, MessagingMetrics.MeterName, "caravan.messaging.retried");
        using var deadLettered = new MetricCollector<long>(meters, MessagingMetrics.MeterName, "caravan.messaging.dead_lettered");
        using var duration = new MetricCollector<double>(meters, MessagingMetrics.MeterName, "caravan.messaging.handler.duration");

        await host.Bus.SendAsync(new Ping(1));
        await host.Bus.SendAsync(new Ping(-1));

        await Eventually.HoldsAsync(() => deadLettered.GetMeasurementSnapshot().Count == 1, "the failing ping is dead-lettered");
        Assert.Equal(2, published.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(1, handled.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(2, retried.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Single(duration.GetMeasurementSnapshot());
        Assert.Equal("RetriesExhausted", deadLettered.GetMeasurementSnapshot()[0].Tags["caravan.dead_letter.reason"]);
    }
}
