using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Caravan.Bench.Distributed;

/// <summary>
/// The ceiling: RabbitMQ.Client alone, no database. Each producer task publishes one persistent message at a
/// time on a channel of its own with publisher confirms and waits for the confirm; the consumer takes pushed
/// deliveries (basic.consume, prefetch and handler concurrency as the others) and acks each one by hand.
/// </summary>
internal sealed class RawSide(BenchOptions options, Recorder recorder, string runId) : BenchSide(options, recorder, runId)
{
    private readonly System.Threading.Channels.Channel<IChannel> _publishers = System.Threading.Channels.Channel.CreateUnbounded<IChannel>();
    private IConnection? _connection;
    private IChannel? _consuming;
    private string _queue = string.Empty;

    public override string Name => "raw RabbitMQ.Client";

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _queue = $"bench-raw-{RunId}";
        var factory = new ConnectionFactory { Uri = new Uri(Options.RabbitMq) };
        _connection = await factory.CreateConnectionAsync("bench-raw", cancellationToken);
        _consuming = await _connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: false, publisherConfirmationTrackingEnabled: false, consumerDispatchConcurrency: (ushort)Options.Consumers),
            cancellationToken);
        await _consuming.QueueDeclareAsync(_queue, durable: true, exclusive: false, autoDelete: false, arguments: null, cancellationToken: cancellationToken);
        await _consuming.BasicQosAsync(0, (ushort)Options.Prefetch, global: false, cancellationToken);
        var consumer = new AsyncEventingBasicConsumer(_consuming);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            Recorder.Record(JsonSerializer.Deserialize<BenchMessage>(delivery.Body.Span, BenchJson.Options)!);
            await _consuming.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None);
        };
        await _consuming.BasicConsumeAsync(_queue, autoAck: false, consumer, cancellationToken);

        for (var i = 0; i < Options.Producers; i++)
        {
            var channel = await _connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
            _publishers.Writer.TryWrite(channel);
        }
    }

    public override async Task ProduceAsync(BenchMessage message, CancellationToken cancellationToken)
    {
        var channel = await _publishers.Reader.ReadAsync(cancellationToken);
        try
        {
            // Returns once the broker confirmed the message (throws on a nack or a return).
            await channel.BasicPublishAsync(
                string.Empty, _queue, mandatory: true, new BasicProperties { Persistent = true },
                JsonSerializer.SerializeToUtf8Bytes(message, BenchJson.Options), cancellationToken);
        }
        finally
        {
            _publishers.Writer.TryWrite(channel);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (_consuming is not null)
        {
            await _consuming.QueueDeleteAsync(_queue, ifUnused: false, ifEmpty: false);
            await _consuming.DisposeAsync();
        }

        _publishers.Writer.TryComplete();
        while (_publishers.Reader.TryRead(out var channel))
        {
            await channel.DisposeAsync();
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}

/// <summary>The JSON settings the raw side uses (web defaults, as Caravan's).</summary>
internal static class BenchJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
