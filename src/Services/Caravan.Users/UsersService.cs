using Caravan.Contracts;
using Caravan.ServiceDefaults.Data;
using Caravan.Users.Orders;
using Caravan.Users.Users;
using Caravan.ServiceDefaults.Versioning;

namespace Caravan.Users;

/// <summary>The users service's composition: <see cref="AddUsersService"/> registers it, <see cref="MapUsersEndpoints"/> maps its API.</summary>
public static class UsersService
{
    public const string Name = Queues.Users;

    public static IHostApplicationBuilder AddUsersService(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddServiceSchema(UserSchema.Statements);
        builder.AddCaravanApiVersioning();
        builder.Services.AddOptions<OrdersClientOptions>().BindConfiguration(OrdersClientOptions.Section);
        builder.Services.AddHttpClient<OrdersClient>(client => client.BaseAddress = OrdersClient.ServiceAddress);

        // Users handles no messages today; messaging still gives the service its database and outbox.
        builder.AddServiceMessaging(Name, messaging => messaging.AddCaravanContracts());
        return builder;
    }

    public static WebApplication MapUsersEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var users = app.MapApiResource("users").WithTags("Users");
        users.MapUserEndpoints();
        users.MapUserOrdersEndpoint();
        return app;
    }
}
