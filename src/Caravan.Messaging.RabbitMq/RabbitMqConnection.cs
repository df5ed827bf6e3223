using RabbitMQ.Client;

namespace Caravan.Messaging.RabbitMq;

/// <summary>
/// One AMQP connection per transport, re-created on demand: after the broker restarts (or the network
/// drops) the next operation opens a new connection and new channels. The client's own automatic
/// recovery stays off on purpose: a recovered channel restarts delivery tags at 1, and a lease taken on the
/// old channel must never ack a message of the new one. Here a lease belongs to one channel object; once that
/// channel is closed the broker has requeued its unacknowledged messages and the lease is simply void.
/// </summary>
internal sealed class RabbitMqConnection(RabbitMqTransportOptions options, string clientName) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConnectionFactory _factory = new()
    {
        Uri = new Uri(options.ConnectionString),
        ClientProvidedName = clientName,
        AutomaticRecoveryEnabled = false,
        TopologyRecoveryEnabled = false,
        RequestedHeartbeat = TimeSpan.FromSeconds(15),
    };

    private IConnection? _connection;
    private bool _disposed;

    /// <summary>Raised when a new connection replaces a lost one (declarations are made again, in case the broker lost them).</summary>
    public event Action? Reconnected;

    public async Task<IConnection> GetAsync(CancellationToken cancellationToken)
    {
        var current = _connection;
        if (current is { IsOpen: true })
        {
            return current;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is { IsOpen: true } open)
            {
                return open;
            }

            var replaced = _connection is not null;
            if (_connection is not null)
            {
                await _connection.DisposeAsync();
            }

            _connection = await _factory.CreateConnectionAsync(cancellationToken);
            if (replaced)
            {
                Reconnected?.Invoke();
            }

            return _connection;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IChannel> CreateChannelAsync(bool confirms, CancellationToken cancellationToken)
    {
        var connection = await GetAsync(cancellationToken);

        // No client-side throttle on outstanding confirms: the caller's batch (the relay's batch size) is the bound,
        // and the default limiter delays every publish past 64 outstanding.
        return await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: confirms, publisherConfirmationTrackingEnabled: confirms, outstandingPublisherConfirmationsRateLimiter: null),
            cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            _disposed = true;
            if (_connection is not null)
            {
                try
                {
                    await _connection.CloseAsync();
                }
                catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or IOException or OperationCanceledException)
                {
                    // Already gone with the broker.
                }

                await _connection.DisposeAsync();
            }
        }
        finally
        {
            _gate.Release();
        }

        _gate.Dispose();
    }
}
