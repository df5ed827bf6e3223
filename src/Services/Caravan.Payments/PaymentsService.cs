using Caravan.Contracts;
using Caravan.Payments.Api;
using Caravan.Payments.Charges;
using Caravan.Payments.Provider;
using Caravan.Payments.Storage;
using Caravan.ServiceDefaults.Data;
using Caravan.ServiceDefaults.Versioning;

namespace Caravan.Payments;

/// <summary>The payments service's composition: <see cref="AddPaymentsService"/> registers it, <see cref="MapPaymentsEndpoints"/> maps its API.</summary>
public static class PaymentsService
{
    public const string Name = Queues.Payments;

    public static IHostApplicationBuilder AddPaymentsService(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<PaymentProviderOptions>()
            .Bind(builder.Configuration.GetSection(PaymentProviderOptions.SectionName))
            .Validate(options => options.TransientFailureRate is >= 0 and <= 1, "Caravan:Payments:TransientFailureRate must be between 0 and 1.")
            .Validate(options => options.Latency >= TimeSpan.Zero, "Caravan:Payments:Latency must not be negative.")
            .ValidateOnStart();
        builder.Services.AddSingleton<ProviderFaults>();
        builder.Services.AddSingleton<PaymentStore>();

        // The tables must exist before the consumers start: the schema is registered first.
        builder.Services.AddServiceSchema(PaymentsSchema.Statements);
        builder.AddCaravanApiVersioning();
        builder.AddServiceMessaging(Name, messaging => messaging
            .AddCaravanContracts()
            .Handle<ChargePayment, ChargePaymentHandler>()
            .Handle<RefundPayment, RefundPaymentHandler>());
        return builder;
    }

    public static WebApplication MapPaymentsEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        PaymentsEndpoints.Map(app);
        return app;
    }
}
