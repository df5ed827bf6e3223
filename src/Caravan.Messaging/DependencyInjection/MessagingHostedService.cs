using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Caravan.Messaging;

/// <summary>
/// Brings messaging up with the host: creates the broker and outbox/inbox tables, declares the
/// subscriptions of every endpoint, then starts the consumers, the outbox relay and the
/// maintenance loop (inbox cleanup, backlog and depth gauges). Stops them in reverse order.
/// </summary>
internal sealed partial class MessagingHostedService(
    IMessageTransport transport,
    IServiceDatabase database,
    HandlerRegistry handlers,
    IOptions<MessagingOptions> options,
    OutboxRelay relay,
    MessageProcessor processor,
    IInboxStore inbox,
    IOutboxStore outbox,
    MessagingMetrics metrics,
    TimeProvider timeProvider,
    IRandomSource random,
    ILoggerFactory loggerFactory) : IHostedService, IDisposable
{
    private readonly List<ConsumerEndpoint> _endpoints = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger _logger = loggerFactory.CreateLogger<MessagingHostedService>();
    private Task _relaying = Task.CompletedTask;
    private Task _maintaining = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await transport.InitializeAsync(cancellationToken);
        await database.InitializeAsync(cancellationToken);
        foreach (var queue in handlers.Endpoints)
        {
            await transport.SubscribeAsync(queue, handlers.MessageTypes(queue), cancellationToken);
        }

        var consumerLogger = loggerFactory.CreateLogger<ConsumerEndpoint>();
        foreach (var queue in handlers.Endpoints)
        {
            var consumerOptions = settings.Endpoints.TryGetValue(queue, out var configured) ? configured : new ConsumerOptions();
            var endpoint = new ConsumerEndpoint(
                queue, consumerOptions, settings.Retry, transport, processor, metrics, timeProvider, random, consumerLogger);
            _endpoints.Add(endpoint);
            endpoint.Start();
        }

        if (settings.Outbox.RelayEnabled)
        {
            _relaying = Task.Run(() => relay.RunAsync(_stopping.Token), CancellationToken.None);
        }

        _maintaining = Task.Run(() => MaintainAsync(_stopping.Token), CancellationToken.None);
        LogStarted(_logger, settings.ServiceName, transport.Name, _endpoints.Count);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(_endpoints.Select(endpoint => endpoint.StopAsync(cancellationToken)));
        await _stopping.CancelAsync();
        await Task.WhenAll(_relaying, _maintaining);

        // The relay gets a last pass to hand over what the final handlers committed.
        if (options.Value.Outbox.RelayEnabled && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                while (await relay.RelayBatchAsync(cancellationToken) > 0)
                {
                }
            }
            catch (OperationCanceledException)
            {
                // Whatever is left stays in the outbox for the next start.
            }
        }
    }

    public void Dispose()
    {
        foreach (var endpoint in _endpoints)
        {
            endpoint.Dispose();
        }

        _stopping.Dispose();
    }

    private async Task MaintainAsync(CancellationToken stopping)
    {
        var settings = options.Value;
        var lastCleanup = timeProvider.GetTimestamp();
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                metrics.SetOutboxBacklog(await outbox.CountAsync(stopping));
                foreach (var endpoint in _endpoints)
                {
                    metrics.SetQueueDepth(endpoint.Queue, await transport.GetQueueDepthAsync(endpoint.Queue, stopping));
                }

                if (timeProvider.GetElapsedTime(lastCleanup) >= settings.Inbox.CleanupInterval)
                {
                    lastCleanup = timeProvider.GetTimestamp();
                    var removed = await inbox.RemoveHandledBeforeAsync(timeProvider.GetUtcNow() - settings.Inbox.Retention, stopping);
                    LogInboxCleaned(_logger, removed);
                }

                await Task.Delay(settings.MetricsInterval, timeProvider, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogMaintenanceFailed(_logger, ex);
                try
                {
                    await Task.Delay(settings.MetricsInterval, timeProvider, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "Messaging for {Service} started on the {Transport} transport with {Endpoints} consuming endpoint(s)")]
    private static partial void LogStarted(ILogger logger, string service, string transport, int endpoints);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Debug, Message = "Inbox cleanup removed {Removed} record(s)")]
    private static partial void LogInboxCleaned(ILogger logger, int removed);

    [LoggerMessage(EventId = 1503, Level = LogLevel.Warning, Message = "Messaging maintenance failed; trying again later")]
    private static partial void LogMaintenanceFailed(ILogger logger, Exception exception);
}
