using Caravan.Contracts;

namespace Caravan.Users;

/// <summary>The users service's composition: <see cref="AddUsersService"/> registers it, <see cref="MapUsersEndpoints"/> maps its API.</summary>
public static class UsersService
{
    public const string Name = Queues.Users;

    public static IHostApplicationBuilder AddUsersService(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddServiceMessaging(Name, messaging => messaging.AddCaravanContracts());
        return builder;
    }

    public static WebApplication MapUsersEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app;
    }
}
