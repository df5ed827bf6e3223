using Caravan.Contracts;
using Caravan.Inventory.Products;
using Caravan.Inventory.Reservations;
using Caravan.Inventory.Storage;
using Caravan.ServiceDefaults.Data;
using Caravan.ServiceDefaults.Versioning;

namespace Caravan.Inventory;

/// <summary>The inventory service's composition: <see cref="AddInventoryService"/> registers it, <see cref="MapInventoryEndpoints"/> maps its API.</summary>
public static class InventoryService
{
    public const string Name = Queues.Inventory;

    /// <summary>Configuration key: when true, an empty products table gets the demo catalogue at startup.</summary>
    public const string SeedDemoProductsKey = "Caravan:Inventory:SeedDemoProducts";

    public static IHostApplicationBuilder AddInventoryService(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // Hosted services start in order: tables, then the demo catalogue, then the consumers.
        builder.Services.AddServiceSchema(InventorySchema.Statements);
        builder.AddCaravanApiVersioning();
        builder.Services.AddHostedService<DemoProductSeeder>();
        builder.AddServiceMessaging(Name, messaging => messaging
            .AddCaravanContracts()
            .Handle<ReserveStock, ReserveStockHandler>()
            .Handle<ReleaseStock, ReleaseStockHandler>()
            .Handle<OrderConfirmed, OrderConfirmedHandler>());
        return builder;
    }

    public static WebApplication MapInventoryEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapApiResource("products").WithTags("Products").MapProductEndpoints();
        app.MapApiResource("reservations").WithTags("Reservations").MapReservationEndpoints();
        return app;
    }
}
