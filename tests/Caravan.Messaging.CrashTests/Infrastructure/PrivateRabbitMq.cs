using System.Globalization;
using System.Net;
using System.Net.Sockets;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Caravan.Messaging.CrashTests;

/// <summary>
/// A RabbitMQ node of this test's own, started, restarted (data kept) and stopped through <c>eng/rabbitmq.sh</c> with
/// its own port, folder and node name, so that restarting it disturbs no one else's broker.
/// </summary>
public sealed class PrivateRabbitMq : IAsyncDisposable
{
    // eng/rabbitmq.sh uses the AMQP port and the next 20 (distribution, epmd, CLI tools).
    private const int PortsUsed = 21;

    private readonly Dictionary<string, string> _environment;
    private IConnection? _connection;
    private bool _started;

    private PrivateRabbitMq(string name, string folder, int port)
    {
        Folder = folder;
        Port = port;
        _environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["CARAVAN_RABBITMQ_DIR"] = folder,
            ["CARAVAN_RABBITMQ_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["CARAVAN_RABBITMQ_NODE"] = name,
        };
        ConnectionString = $"amqp://guest:guest@127.0.0.1:{port}/";
    }

    public string Folder { get; }

    public int Port { get; }

    public string ConnectionString { get; private set; }

    /// <summary>
    /// Starts a node named <paramref name="name"/> with its data in <paramref name="folder"/>, on free loopback ports
    /// (on other ports again, should one be taken between the check and the node's start).
    /// </summary>
    public static async Task<PrivateRabbitMq> StartAsync(string name, string folder)
    {
        for (var attempt = 1; ; attempt++)
        {
            var broker = new PrivateRabbitMq(name, folder, FindFreePorts()) { _started = true };
            try
            {
                broker.ConnectionString = (await EngScript.RunAsync("rabbitmq.sh", broker._environment, "start")).Split('\n')[^1];
                return broker;
            }
            catch (Exception)
            {
                // Stops whatever half started (its epmd too) and deletes its folder.
                await broker.DisposeAsync();
                if (attempt == 3)
                {
                    throw;
                }
            }
        }
    }

    /// <summary>Stops the node and starts it again with its data (<c>eng/rabbitmq.sh restart</c>).</summary>
    public async Task RestartAsync()
    {
        await EngScript.RunAsync("rabbitmq.sh", _environment, "restart");
    }

    /// <summary>Ready messages in a queue (unacknowledged ones not counted); 0 when the queue does not exist.</summary>
    public async Task<long> ReadyCountAsync(string queue)
    {
        if (_connection is not { IsOpen: true })
        {
            if (_connection is not null)
            {
                await _connection.DisposeAsync();
            }

            _connection = await new ConnectionFactory { Uri = new Uri(ConnectionString), AutomaticRecoveryEnabled = false }.CreateConnectionAsync();
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

        if (_started)
        {
            await EngScript.RunAsync("rabbitmq.sh", _environment, "stop");
        }
    }

    /// <summary>
    /// A base port whose whole range is free on the loopback interface now, below Linux's ephemeral range (32768 and up),
    /// where outgoing connections could take a port between this check and the node's start.
    /// </summary>
    private static int FindFreePorts()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var port = Random.Shared.Next(20_000, 32_000 - PortsUsed);
            if (Enumerable.Range(port, PortsUsed).All(IsFree))
            {
                return port;
            }
        }

        throw new InvalidOperationException("No free range of loopback ports for a private RabbitMQ node was found.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
