using Caravan.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Caravan.Sagas;

public static class SagaMessagingExtensions
{
    /// <summary>The wire name of the orchestrator's own timeout message.</summary>
    public const string TimeoutWireName = "caravan.saga-timeout.v1";

    /// <summary>
    /// Runs <paramref name="definition"/> in this service: its replies and timeouts arrive on the
    /// service's own queue and are applied to the stored instance in the handler's transaction.
    /// Register the message types of its commands and replies (AddMessage) before calling this.
    /// </summary>
    public static MessagingBuilder AddSaga(this MessagingBuilder messaging, SagaDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(messaging);
        ArgumentNullException.ThrowIfNull(definition);
        var services = messaging.Services;
        var registry = services.FirstOrDefault(descriptor => descriptor.ServiceType == typeof(SagaRegistry))?.ImplementationInstance as SagaRegistry;
        if (registry is null)
        {
            registry = new SagaRegistry();
            services.AddSingleton(registry);
            services.TryAddSingleton<ISagaStore, SqlSagaStore>();
            services.TryAddSingleton<SagaMetrics>();
            services.TryAddSingleton<SagaCoordinator>();
            services.AddHostedService<SagaSchemaService>();
        }

        registry.Add(definition);
        if (!registry.TimeoutsHandled)
        {
            registry.TimeoutsHandled = true;
            messaging.AddMessage<SagaTimeout>(TimeoutWireName);
            messaging.Handle<SagaTimeout>((timeout, context, cancellationToken) =>
                context.Services.GetRequiredService<SagaCoordinator>().HandleTimeoutAsync(timeout, context, cancellationToken));
        }

        foreach (var replyType in definition.ReplyTypes)
        {
            if (registry.HandledReplyTypes.Add(replyType))
            {
                typeof(SagaMessagingExtensions)
                    .GetMethod(nameof(HandleReply), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                    .MakeGenericMethod(replyType)
                    .Invoke(null, [messaging]);
            }
        }

        return messaging;
    }

    private static void HandleReply<TReply>(MessagingBuilder messaging) =>
        messaging.Handle<TReply>((reply, context, cancellationToken) =>
            context.Services.GetRequiredService<SagaCoordinator>().HandleReplyAsync(reply!, context, cancellationToken));

    /// <summary>Creates the saga table at startup (transitions also create it on first use, should a message come first).</summary>
    private sealed class SagaSchemaService(SagaCoordinator coordinator) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => coordinator.EnsureSchemaAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
