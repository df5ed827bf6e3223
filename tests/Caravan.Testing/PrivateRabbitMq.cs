using System.Globalization;

namespace Caravan.Testing;

/// <summary>
/// A RabbitMQ node of a test's own, started, restarted (data kept) and stopped through <c>eng/rabbitmq.sh</c> with its
/// own port (CARAVAN_RABBITMQ_PORT), folder (CARAVAN_RABBITMQ_DIR) and node name (CARAVAN_RABBITMQ_NODE), so that
/// restarting it disturbs no one else's broker. Dispose stops it.
/// </summary>
public sealed class PrivateRabbitMq : IAsyncDisposable
{
    /// <summary>eng/rabbitmq.sh uses the AMQP port and the next 20 (distribution, epmd, CLI tools).</summary>
    public const int PortsUsed = 21;

    private readonly Dictionary<string, string> _environment;
    private readonly TimeSpan? _timeout;

    private PrivateRabbitMq(string node, string folder, int port, TimeSpan? timeout)
    {
        Folder = folder;
        Port = port;
        _timeout = timeout;
        _environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["CARAVAN_RABBITMQ_DIR"] = folder,
            ["CARAVAN_RABBITMQ_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["CARAVAN_RABBITMQ_NODE"] = node,
        };
        ConnectionString = $"amqp://guest:guest@127.0.0.1:{port}/";
    }

    public string Folder { get; }

    public int Port { get; }

    /// <summary>The node's AMQP URI.</summary>
    public string ConnectionString { get; private set; }

    /// <summary>
    /// Starts a node named <paramref name="node"/> with its data in <paramref name="folder"/>, on free loopback ports (on other
    /// ports again, should one be taken between the check and the node's start); each script run may take <paramref name="scriptTimeout"/>.
    /// </summary>
    public static async Task<PrivateRabbitMq> StartAsync(string node, string folder, TimeSpan? scriptTimeout = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var broker = new PrivateRabbitMq(node, folder, FreePorts.Block(PortsUsed), scriptTimeout);
            try
            {
                broker.ConnectionString = EngScripts.LastLine(await broker.RunAsync("start"));
                return broker;
            }
            catch (Exception) when (attempt < 3)
            {
                // Stops whatever half started (its epmd too) before trying other ports.
                await EngScripts.TryRunAsync("rabbitmq.sh", broker._environment, "stop");
            }
            catch (Exception)
            {
                await EngScripts.TryRunAsync("rabbitmq.sh", broker._environment, "stop");
                throw;
            }
        }
    }

    /// <summary>Stops the node and starts it again with its data (<c>eng/rabbitmq.sh restart</c>).</summary>
    public async Task RestartAsync() => await RunAsync("restart");

    /// <summary>Stops the node (<c>eng/rabbitmq.sh stop</c>); throws when the script fails.</summary>
    public async ValueTask DisposeAsync() => await RunAsync("stop");

    private Task<string> RunAsync(string command) => EngScripts.RunAsync("rabbitmq.sh", _environment, _timeout, command);
}
