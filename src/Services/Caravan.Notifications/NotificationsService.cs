using Caravan.Contracts;
using Caravan.Notifications.Api;
using Caravan.Notifications.Storage;
using Caravan.ServiceDefaults.Data;
using Caravan.ServiceDefaults.Versioning;

namespace Caravan.Notifications;

/// <summary>The notifications service's composition: <see cref="AddNotificationsService"/> registers it, <see cref="MapNotificationsEndpoints"/> maps its API.</summary>
public static class NotificationsService
{
    public const string Name = Queues.Notifications;

    public static IHostApplicationBuilder AddNotificationsService(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // The table must exist before the consumers start: the schema is registered first.
        builder.Services.AddServiceSchema(NotificationsSchema.Statements);
        builder.AddCaravanApiVersioning();
        builder.AddServiceMessaging(Name, messaging => messaging
            .AddCaravanContracts()
            .Handle<OrderConfirmed, OrderNotificationHandler>()
            .Handle<OrderCancelled, OrderNotificationHandler>());
        return builder;
    }

    public static WebApplication MapNotificationsEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        NotificationsEndpoints.Map(app);
        return app;
    }
}
