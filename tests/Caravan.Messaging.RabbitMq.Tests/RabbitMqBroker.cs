namespace Caravan.Messaging.RabbitMq.Tests;

/// <summary>
/// The real broker every test here runs against: the shared one (<see cref="SharedRabbitMq"/>: CARAVAN_RABBITMQ, which
/// eng/test.sh exports, else eng/rabbitmq.sh's broker, started here when it is not running). A broker that cannot
/// be reached fails the tests: none is skipped.
/// </summary>
public class RabbitMqBroker : IAsyncLifetime
{
    private IAsyncDisposable? _server;

    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>A topology prefix no other test uses, so tests share the broker without seeing each other's queues.</summary>
    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..10];

    public virtual async Task InitializeAsync()
    {
        var shared = await SharedRabbitMq.ConnectAsync();
        Use(shared, shared.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>Keeps the broker this fixture runs against, and stops it (when it started it) on dispose.</summary>
    protected void Use(IAsyncDisposable server, string connectionString)
    {
        _server = server;
        ConnectionString = connectionString;
    }
}

/// <summary>
/// A broker of its own for tests that restart it (<see cref="PrivateRabbitMq"/>): a node with its own name, folder and
/// ports, started through eng/rabbitmq.sh and stopped at the end, so restarting it disturbs no other test's broker.
/// </summary>
public sealed class PrivateRabbitMqBroker : RabbitMqBroker
{
    private PrivateRabbitMq? _node;

    public override async Task InitializeAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "caravan-rabbitmq-" + Guid.NewGuid().ToString("N")[..8]);
        _node = await PrivateRabbitMq.StartAsync("faults" + Guid.NewGuid().ToString("N")[..6], folder);
        Use(_node, _node.ConnectionString);
    }

    /// <summary>Stops the broker and starts it again with its data (eng/rabbitmq.sh restart).</summary>
    public Task RestartAsync() => (_node ?? throw new InvalidOperationException("Not initialised.")).RestartAsync();
}

[CollectionDefinition(Name)]
public sealed class RabbitMqCollection : ICollectionFixture<RabbitMqBroker>
{
    // One broker for all the tests that only use it.
    public const string Name = "RabbitMQ";
}

[CollectionDefinition(Name)]
public sealed class PrivateRabbitMqCollection : ICollectionFixture<PrivateRabbitMqBroker>
{
    // The tests that restart their broker, on a node of their own.
    public const string Name = "Private RabbitMQ";
}
