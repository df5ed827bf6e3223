using Caravan.Messaging.RabbitMq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Caravan.Messaging;

public static class RabbitMqMessagingBuilderExtensions
{
    /// <summary>
    /// Uses RabbitMQ as the broker: <paramref name="connectionString"/> is an AMQP URI such as
    /// <c>amqp://guest:guest@127.0.0.1:35672/</c>; <paramref name="configure"/> adjusts the rest
    /// (queue type, topology prefix, timeouts).
    /// </summary>
    public static MessagingBuilder UseRabbitMq(
        this MessagingBuilder messaging, string connectionString, Action<RabbitMqTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(messaging);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var options = new RabbitMqTransportOptions { ConnectionString = connectionString, ClientName = messaging.ServiceName };
        configure?.Invoke(options);
        messaging.Services.RemoveAll<IMessageTransport>();
        messaging.Services.AddSingleton(provider => new RabbitMqTransport(
            options,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<IRandomSource>(),
            provider.GetService<ILogger<RabbitMqTransport>>()));
        messaging.Services.AddSingleton<IMessageTransport>(provider => provider.GetRequiredService<RabbitMqTransport>());
        return messaging;
    }
}
