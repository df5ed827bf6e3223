using Caravan.Messaging.Internal;
using RabbitMQ.Client;

namespace Caravan.Messaging.RabbitMq;

/// <summary>
/// One AMQP connection per transport, re-created on demand: after the broker restarts (or the network
/// drops) the next operation opens a new connection and new channels. The client's own automatic
/// recovery stays off on purpose: a recovered channel restarts delivery tags at 1, and a lease taken on the
/// old channel must never ack a message of the new one. Here a lease belongs to one channel object; once that
/// channel is closed the broker has requeued its unacknowledged messages and the lease is simply void.
/// <para>
/// Opening a connection or a channel takes at most <see cref="RabbitMqTransportOptions.OperationTimeout"/>: a broker
/// that accepts the TCP connection but answers nothing (frozen, overloaded) fails the operation instead of holding it,
/// and everything queued behind it, for good. A connection an operation timed out on is given up
/// (<see cref="Abandon"/>) and closed in the background; the next operation opens a new one.
/// </para>
/// </summary>
internal sealed class RabbitMqConnection(RabbitMqTransportOptions options, string clientName, TimeProvider timeProvider) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConnectionFactory _factory = new()
    {
        Uri = new Uri(options.ConnectionString),
        ClientProvidedName = clientName,
        AutomaticRecoveryEnabled = false,
        TopologyRecoveryEnabled = false,
        RequestedHeartbeat = TimeSpan.FromSeconds(15),
        RequestedConnectionTimeout = options.OperationTimeout,
        HandshakeContinuationTimeout = options.OperationTimeout,
        ContinuationTimeout = options.OperationTimeout,
    };

    private IConnection? _connection;
    private bool _replaced;
    private bool _disposed;

    /// <summary>Raised when a new connection replaces a lost one (declarations are made again, in case the broker lost them).</summary>
    public event Action? Reconnected;

    public TimeSpan OperationTimeout => options.OperationTimeout;

    public TimeProvider TimeProvider => timeProvider;

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

            if (_connection is not null)
            {
                _replaced = true;
                CloseInBackground(_connection);
                _connection = null;
            }

            _connection = await Bounded.RunAsync(
                "RabbitMQ: opening a connection", token => _factory.CreateConnectionAsync(token), options.OperationTimeout, timeProvider, cancellationToken, CloseInBackground);
            if (_replaced)
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
        try
        {
            return await Bounded.RunAsync(
                "RabbitMQ: opening a channel",
                token => connection.CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirmationsEnabled: confirms, publisherConfirmationTrackingEnabled: confirms, outstandingPublisherConfirmationsRateLimiter: null),
                    token),
                options.OperationTimeout,
                timeProvider,
                cancellationToken,
                CloseInBackground);
        }
        catch (TimeoutException)
        {
            // A connection that cannot open a channel in time is of no use: the next operation opens a new one.
            Abandon(connection);
            throw;
        }
    }

    /// <summary>Gives up <paramref name="connection"/> (when it is still the current one) after an operation on it timed out.</summary>
    public void Abandon(IConnection connection)
    {
        if (Interlocked.CompareExchange(ref _connection, null, connection) == connection)
        {
            _replaced = true;
            CloseInBackground(connection);
        }
    }

    /// <summary>Closes a connection or channel without waiting for it: on a broker that answers nothing a close could wait long.</summary>
    public void CloseInBackground(IAsyncDisposable disposable) =>
        _ = Task.Run(async () =>
        {
            try
            {
                await disposable.DisposeAsync().AsTask().WaitAsync(options.OperationTimeout, timeProvider);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Gone with the broker, or still closing: either way no longer ours.
            }
        });

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
                    await _connection.CloseAsync().WaitAsync(options.OperationTimeout, timeProvider);
                }
                catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.AlreadyClosedException or IOException or OperationCanceledException or TimeoutException)
                {
                    // Already gone with the broker (or not answering).
                }

                try
                {
                    await _connection.DisposeAsync().AsTask().WaitAsync(options.OperationTimeout, timeProvider);
                }
                catch (TimeoutException)
                {
                    // A broker that answers nothing is not waited for any longer.
                }
            }
        }
        finally
        {
            _gate.Release();
        }

        _gate.Dispose();
    }
}
