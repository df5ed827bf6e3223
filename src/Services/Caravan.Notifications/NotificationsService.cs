using Caravan.Contracts;

namespace Caravan.Notifications;

/// <summary>The notifications service's composition: <see cref="AddNotificationsService"/> registers it, <see cref="MapNotificationsEndpoints"/> maps its API.</summary>
public static class NotificationsService
{
    public const string Name = Queues.Notifications;

    public static IHostApplicationBuilder AddNotificationsService(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddServiceMessaging(Name, messaging => messaging.AddCaravanContracts());
        return builder;
    }

    public static WebApplication MapNotificationsEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app;
    }
}
