using Caravan.Messaging.Internal;
using RabbitMQ.Client;

namespace Caravan.Messaging.RabbitMq;

/// <summary>
/// A long-lived channel for one purpose (publishing with confirms, leasing, declaring) that is opened again
/// when the broker closed it (a channel error, or the connection went away) or when an operation on it timed out
/// (<see cref="Abandon"/>). Operations that must not interleave on it (a run of basic.get, a declaration) hold
/// <see cref="LockAsync"/>. Opening takes at most the connection's operation timeout.
/// </summary>
internal sealed class ChannelSlot(RabbitMqConnection connection, bool confirms) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _use = new(1, 1);
    private IChannel? _channel;

    public async Task<IChannel> GetAsync(CancellationToken cancellationToken)
    {
        var current = _channel;
        if (current is { IsOpen: true })
        {
            return current;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_channel is { IsOpen: true } open)
            {
                return open;
            }

            if (_channel is not null)
            {
                connection.CloseInBackground(_channel);
                _channel = null;
            }

            _channel = await connection.CreateChannelAsync(confirms, cancellationToken);
            return _channel;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Gives up <paramref name="channel"/> (when it is still this slot's) after an operation on it timed out: the next
    /// operation opens a new channel, and should that time out too, a new connection.
    /// </summary>
    public void Abandon(IChannel channel)
    {
        if (Interlocked.CompareExchange(ref _channel, null, channel) == channel)
        {
            connection.CloseInBackground(channel);
        }
    }

    /// <summary>
    /// Runs <paramref name="operation"/> on this slot's channel within the operation timeout; a channel it timed out on is
    /// given up (<see cref="Abandon"/>).
    /// </summary>
    public async Task<T> RunAsync<T>(string what, Func<IChannel, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        var channel = await GetAsync(cancellationToken);
        try
        {
            return await Bounded.RunAsync("RabbitMQ: " + what, token => operation(channel, token), connection.OperationTimeout, connection.TimeProvider, cancellationToken);
        }
        catch (TimeoutException)
        {
            Abandon(channel);
            throw;
        }
    }

    public async Task<IDisposable> LockAsync(CancellationToken cancellationToken)
    {
        await _use.WaitAsync(cancellationToken);
        return new Releaser(_use);
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null)
        {
            try
            {
                await _channel.DisposeAsync().AsTask().WaitAsync(connection.OperationTimeout, connection.TimeProvider);
            }
            catch (TimeoutException)
            {
                // A broker that answers nothing is not waited for any longer.
            }
        }

        _gate.Dispose();
        _use.Dispose();
    }

    private sealed class Releaser(SemaphoreSlim semaphore) : IDisposable
    {
        public void Dispose() => semaphore.Release();
    }
}
