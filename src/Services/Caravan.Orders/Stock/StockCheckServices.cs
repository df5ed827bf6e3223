using InventoryClient = Caravan.Inventory.Grpc.V1.Inventory.InventoryClient;
using Grpc.Net.Client.Configuration;
using OpenTelemetry.Metrics;

namespace Caravan.Orders.Stock;

/// <summary>
/// Registers Inventory's gRPC client for <see cref="StockCheck"/>: found through service discovery as
/// <c>http://_grpc.inventory</c> (Inventory's HTTP/2-only endpoint named <c>grpc</c>), without the
/// standard HTTP resilience handler (it would not see gRPC statuses and adds its own timeouts), and with
/// gRPC's own retry policy for GetStock only — the one idempotent call Orders makes — on UNAVAILABLE,
/// inside the call's deadline.
/// </summary>
internal static class StockCheckServices
{
    public const string InventoryAddress = "http://_grpc.inventory";

    public static IHostApplicationBuilder AddStockCheck(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<StockCheckMetrics>();
        builder.Services.AddTransient<StockCheck>();
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(StockCheckMetrics.MeterName));
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked for evaluation, but it is the documented way to opt one client out of ConfigureHttpClientDefaults.
        builder.Services
            .AddGrpcClient<InventoryClient>(options => options.Address = new Uri(InventoryAddress))
            .ConfigureChannel(channel => channel.ServiceConfig = new ServiceConfig { MethodConfigs = { GetStockRetries() } })
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        return builder;
    }

    private static MethodConfig GetStockRetries() => new()
    {
        Names = { new MethodName { Service = Caravan.Inventory.Grpc.V1.Inventory.Descriptor.FullName, Method = "GetStock" } },
        RetryPolicy = new RetryPolicy
        {
            MaxAttempts = 3,
            InitialBackoff = TimeSpan.FromMilliseconds(100),
            MaxBackoff = TimeSpan.FromMilliseconds(500),
            BackoffMultiplier = 2,
            RetryableStatusCodes = { Grpc.Core.StatusCode.Unavailable },
        },
    };
}
