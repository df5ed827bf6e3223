using Caravan.Contracts;

namespace Caravan.Shipping;

/// <summary>The shipping service's composition: <see cref="AddShippingService"/> registers it, <see cref="MapShippingEndpoints"/> maps its API.</summary>
public static class ShippingService
{
    public const string Name = Queues.Shipping;

    public static IHostApplicationBuilder AddShippingService(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddServiceMessaging(Name, messaging => messaging.AddCaravanContracts());
        return builder;
    }

    public static WebApplication MapShippingEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app;
    }
}
