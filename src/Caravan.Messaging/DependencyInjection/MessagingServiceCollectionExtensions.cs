using Caravan.Messaging;
using Caravan.Messaging.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class MessagingServiceCollectionExtensions
{
    /// <summary>
    /// Adds Caravan messaging for the service <paramref name="serviceName"/>: the bus, the outbox
    /// relay, the consumers of its handlers and the maintenance loop, all started with the host.
    /// Choose a transport and a database in <paramref name="configure"/> (for example
    /// <see cref="MessagingBuilder.UseSqliteTransport"/> and <see cref="MessagingBuilder.UseSqliteDatabase"/>).
    /// </summary>
    public static MessagingBuilder AddCaravanMessaging(
        this IServiceCollection services, string serviceName, Action<MessagingBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        ArgumentNullException.ThrowIfNull(configure);

        var types = new MessageTypeRegistry();
        var handlers = new HandlerRegistry();
        services.AddMetrics();
        services.AddOptions<MessagingOptions>().Configure(options => options.ServiceName = serviceName);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IRandomSource, SharedRandomSource>();
        services.TryAddSingleton<IMessageIdGenerator, Version7MessageIdGenerator>();
        services.AddSingleton(types);
        services.AddSingleton(handlers);
        services.TryAddSingleton<OutboxSignal>();
        services.TryAddSingleton<MessagingMetrics>();
        services.TryAddSingleton<MessagingRuntime>();
        services.TryAddSingleton<IMessageBus, MessageBus>();
        services.TryAddSingleton<OutboxRelay>();
        services.TryAddSingleton<MessageProcessor>();
        services.TryAddSingleton<IDeadLetterQueue>(provider => provider.GetRequiredService<IMessageTransport>().DeadLetters);
        services.AddHostedService<MessagingHostedService>();

        var builder = new MessagingBuilder(services, serviceName, types, handlers);
        configure(builder);
        return builder;
    }
}
