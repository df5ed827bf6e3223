using Caravan.Contracts;

namespace Caravan.Payments;

/// <summary>The payments service's composition: <see cref="AddPaymentsService"/> registers it, <see cref="MapPaymentsEndpoints"/> maps its API.</summary>
public static class PaymentsService
{
    public const string Name = Queues.Payments;

    public static IHostApplicationBuilder AddPaymentsService(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddServiceMessaging(Name, messaging => messaging.AddCaravanContracts());
        return builder;
    }

    public static WebApplication MapPaymentsEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app;
    }
}
