using Asp.Versioning;
using Caravan.Contracts;
using Caravan.Orders.Api;
using Caravan.Orders.Data;
using Caravan.Orders.Saga;
using Caravan.Sagas;
using Caravan.ServiceDefaults.Data;
using Caravan.ServiceDefaults.Versioning;

namespace Caravan.Orders;

/// <summary>Settings of the Orders service (configuration section <c>Caravan:Orders</c>).</summary>
public sealed class OrdersOptions
{
    /// <summary>Ask the Users service whether the user exists before accepting an order.</summary>
    public bool VerifyUsers { get; set; } = true;

    /// <summary>How long placing an order waits for Users to answer, retries included, before answering 503.</summary>
    public TimeSpan UsersTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public OrderSagaOptions Saga { get; set; } = new();

    /// <summary>When v1 of the orders API was deprecated and when it will be withdrawn (section <c>Caravan:Orders:V1</c>).</summary>
    public RetiringVersionOptions V1 { get; set; } = new()
    {
        Deprecated = new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero),
        Sunset = new DateTimeOffset(2027, 6, 30, 0, 0, 0, TimeSpan.Zero),
    };
}

/// <summary>
/// The orders service: accepts orders (idempotent by key) and orchestrates each one's saga —
/// reserve inventory, take payment, create the shipment, compensating in reverse on failure.
/// </summary>
public static class OrdersService
{
    public const string Name = Queues.Orders;

    /// <summary>The first orders API: money as bare decimals. Deprecated, with a sunset date.</summary>
    public static readonly ApiVersion V1 = new(1, 0);

    /// <summary>Orders with money as <c>{ amount, currency }</c>.</summary>
    public static readonly ApiVersion V2 = new(2, 0);

    private const string OrderResource = "orders";

    public static IHostApplicationBuilder AddOrdersService(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure<OrdersOptions>(builder.Configuration.GetSection("Caravan:Orders"));
        var options = builder.Configuration.GetSection("Caravan:Orders").Get<OrdersOptions>() ?? new OrdersOptions();
        var saga = OrderSaga.Define(options.Saga, new OrderStatusHooks());
        builder.Services.AddSingleton(saga);
        builder.Services.AddHttpClient<UsersClient>(client => client.BaseAddress = new Uri("http://users"));
        builder.Services.AddServiceSchema(OrderSchema.Statements);
        builder.AddCaravanApiVersioning([V1, V2], versioning => versioning.Retire(OrderResource, V1, options.V1));
        builder.AddServiceMessaging(Name, messaging => messaging
            .AddCaravanContracts()
            .AddSaga(saga));
        return builder;
    }

    public static WebApplication MapOrdersEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var orders = app.MapApiResource(OrderResource, versions => versions.HasDeprecatedApiVersion(V1).HasApiVersion(V2)).WithTags("Orders");
        OrderEndpoints.MapV1(orders.MapGroup("").MapToApiVersion(V1));
        OrderEndpoints.MapV2(orders.MapGroup("").MapToApiVersion(V2));
        SagaEndpoints.Map(app.MapApiResource("sagas").WithTags("Sagas"));
        return app;
    }
}
