namespace Caravan.Testing;

/// <summary>
/// The RabbitMQ broker tests share: the one CARAVAN_RABBITMQ names (eng/test.sh starts it), else the one
/// <c>eng/rabbitmq.sh</c> runs, started here when it is not running (and then stopped again on dispose), so a plain
/// <c>dotnet test</c> works too. A broker that cannot be started fails the caller: no test is skipped.
/// </summary>
public sealed class SharedRabbitMq : IAsyncDisposable
{
    private readonly bool _startedHere;

    private SharedRabbitMq(string connectionString, bool startedHere)
    {
        ConnectionString = connectionString;
        _startedHere = startedHere;
    }

    /// <summary>The broker's AMQP URI.</summary>
    public string ConnectionString { get; }

    public static async Task<SharedRabbitMq> ConnectAsync()
    {
        var configured = Environment.GetEnvironmentVariable("CARAVAN_RABBITMQ");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new SharedRabbitMq(configured, startedHere: false);
        }

        if (await EngScripts.TryRunAsync("rabbitmq.sh", null, "status") is { } running)
        {
            return new SharedRabbitMq(EngScripts.LastLine(running), startedHere: false);
        }

        return new SharedRabbitMq(EngScripts.LastLine(await EngScripts.RunAsync("rabbitmq.sh", "start")), startedHere: true);
    }

    /// <summary>Stops the broker when it was started here.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_startedHere)
        {
            await EngScripts.RunAsync("rabbitmq.sh", "stop");
        }
    }
}
