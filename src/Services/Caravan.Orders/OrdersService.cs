using Caravan.Contracts;
using Caravan.Orders.Api;
using Caravan.Orders.Data;
using Caravan.Orders.Saga;
using Caravan.Orders.Stock;
using Caravan.Sagas;
using Caravan.ServiceDefaults.Data;

namespace Caravan.Orders;

/// <summary>Settings of the Orders service (configuration section <c>Caravan:Orders</c>).</summary>
public sealed class OrdersOptions
{
    /// <summary>Ask the Users service whether the user exists before accepting an order.</summary>
    public bool VerifyUsers { get; set; } = true;

    /// <summary>How long placing an order waits for Users to answer, retries included, before answering 503.</summary>
    public TimeSpan UsersTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Ask Inventory (gRPC GetStock) whether the items are known and available before accepting an order.</summary>
    public bool CheckStock { get; set; } = true;

    /// <summary>The stock check's deadline, retries included; when it passes the order is accepted unchecked.</summary>
    public TimeSpan StockCheckTimeout { get; set; } = TimeSpan.FromSeconds(2);

    public OrderSagaOptions Saga { get; set; } = new();
}

/// <summary>
/// The orders service: accepts orders (idempotent by key) and orchestrates each one's saga —
/// reserve inventory, take payment, create the shipment, compensating in reverse on failure.
/// </summary>
public static class OrdersService
{
    public const string Name = Queues.Orders;

    public static IHostApplicationBuilder AddOrdersService(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure<OrdersOptions>(builder.Configuration.GetSection("Caravan:Orders"));
        var options = builder.Configuration.GetSection("Caravan:Orders").Get<OrdersOptions>() ?? new OrdersOptions();
        var saga = OrderSaga.Define(options.Saga, new OrderStatusHooks());
        builder.Services.AddSingleton(saga);
        builder.Services.AddHttpClient<UsersClient>(client => client.BaseAddress = new Uri("http://users"));
        builder.AddStockCheck();
        builder.Services.AddServiceSchema(OrderSchema.Statements);
        builder.AddServiceMessaging(Name, messaging => messaging
            .AddCaravanContracts()
            .AddSaga(saga));
        return builder;
    }

    public static WebApplication MapOrdersEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        OrderEndpoints.Map(app);
        SagaEndpoints.Map(app);
        return app;
    }
}
