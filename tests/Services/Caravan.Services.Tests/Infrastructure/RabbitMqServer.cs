namespace Caravan.Services.Tests;

/// <summary>
/// The RabbitMQ broker for services in distributed mode: the one CARAVAN_RABBITMQ names (eng/test.sh starts
/// it), else the one eng/rabbitmq.sh runs, started here when it is not running (and stopped again at the end).
/// </summary>
public sealed class RabbitMqServer : IAsyncLifetime
{
    private bool _startedHere;

    /// <summary>The broker's AMQP URI.</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var configured = Environment.GetEnvironmentVariable("CARAVAN_RABBITMQ");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            ConnectionString = configured;
            return;
        }

        if (await EngScript.RunAsync("rabbitmq.sh", "status", mayFail: true) is { } running)
        {
            ConnectionString = running;
            return;
        }

        ConnectionString = (await EngScript.RunAsync("rabbitmq.sh", "start"))!;
        _startedHere = true;
    }

    public async Task DisposeAsync()
    {
        if (_startedHere)
        {
            await EngScript.RunAsync("rabbitmq.sh", "stop");
        }
    }
}
