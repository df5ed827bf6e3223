using RabbitMQ.Client;

namespace Caravan.Messaging.RabbitMq;

/// <summary>
/// A long-lived channel for one purpose (publishing with confirms, leasing, declaring) that is opened again
/// when the broker closed it (a channel error, or the connection went away). Operations that must not
/// interleave on it (a run of basic.get, a declaration) hold <see cref="LockAsync"/>.
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
                await _channel.DisposeAsync();
            }

            _channel = await connection.CreateChannelAsync(confirms, cancellationToken);
            return _channel;
        }
        finally
        {
            _gate.Release();
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
            await _channel.DisposeAsync();
        }

        _gate.Dispose();
        _use.Dispose();
    }

    private sealed class Releaser(SemaphoreSlim semaphore) : IDisposable
    {
        public void Dispose() => semaphore.Release();
    }
}
