using Caravan.Contracts;

namespace Caravan.Orders;

/// <summary>The orders service's composition: <see cref="AddOrdersService"/> registers it, <see cref="MapOrdersEndpoints"/> maps its API.</summary>
public static class OrdersService
{
    public const string Name = Queues.Orders;

    public static IHostApplicationBuilder AddOrdersService(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddServiceMessaging(Name, messaging => messaging.AddCaravanContracts());
        return builder;
    }

    public static WebApplication MapOrdersEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app;
    }
}
