using Caravan.Contracts;

namespace Caravan.Inventory;

/// <summary>The inventory service's composition: <see cref="AddInventoryService"/> registers it, <see cref="MapInventoryEndpoints"/> maps its API.</summary>
public static class InventoryService
{
    public const string Name = Queues.Inventory;

    public static IHostApplicationBuilder AddInventoryService(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddServiceMessaging(Name, messaging => messaging.AddCaravanContracts());
        return builder;
    }

    public static WebApplication MapInventoryEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app;
    }
}
