using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Caravan.Messaging.CrashTests;

/// <summary>Reads queue depths of a broker over one connection, opened again when the broker dropped it (a restart).</summary>
public sealed class QueueDepths(string connectionString) : IAsyncDisposable
{
    private IConnection? _connection;

    /// <summary>Ready messages in a queue (unacknowledged ones not counted); 0 when the queue does not exist.</summary>
    public async Task<long> ReadyCountAsync(string queue)
    {
        if (_connection is not { IsOpen: true })
        {
            if (_connection is not null)
            {
                await _connection.DisposeAsync();
            }

            _connection = await new ConnectionFactory { Uri = new Uri(connectionString), AutomaticRecoveryEnabled = false }.CreateConnectionAsync();
        }

        await using var channel = await _connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return 0;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            try
            {
                await _connection.CloseAsync();
            }
            catch (Exception ex) when (ex is AlreadyClosedException or IOException or OperationInterruptedException)
            {
                // Gone with the broker.
            }

            await _connection.DisposeAsync();
        }
    }
}
