using Caravan.Contracts;
using Caravan.ServiceDefaults.Data;
using Caravan.Shipping.Api;
using Caravan.Shipping.Shipments;
using Caravan.Shipping.Storage;
using Caravan.ServiceDefaults.Versioning;

namespace Caravan.Shipping;

/// <summary>The shipping service's composition: <see cref="AddShippingService"/> registers it, <see cref="MapShippingEndpoints"/> maps its API.</summary>
public static class ShippingService
{
    public const string Name = Queues.Shipping;

    public static IHostApplicationBuilder AddShippingService(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<ShipmentStore>();

        // The table must exist before the consumers start: the schema is registered first.
        builder.Services.AddServiceSchema(ShippingSchema.Statements);
        builder.AddCaravanApiVersioning();
        builder.AddServiceMessaging(Name, messaging => messaging
            .AddCaravanContracts()
            .Handle<CreateShipment, CreateShipmentHandler>()
            .Handle<CancelShipment, CancelShipmentHandler>());
        return builder;
    }

    public static WebApplication MapShippingEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        ShipmentsEndpoints.Map(app);
        return app;
    }
}
