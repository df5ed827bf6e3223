namespace Caravan.Services.Tests;

/// <summary>The RabbitMQ broker for services in distributed mode: the shared one (<see cref="SharedRabbitMq"/>).</summary>
public sealed class RabbitMqServer : IAsyncLifetime
{
    private SharedRabbitMq? _broker;

    /// <summary>The broker's AMQP URI.</summary>
    public string ConnectionString => _broker?.ConnectionString ?? string.Empty;

    public async Task InitializeAsync() => _broker = await SharedRabbitMq.ConnectAsync();

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}
