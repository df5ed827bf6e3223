using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Caravan.Inventory;
using Caravan.Notifications;
using Caravan.Payments;
using Caravan.Services.Tests.Orders;
using Caravan.Shipping;

namespace Caravan.Services.Tests.Flow;

/// <summary>
/// The order saga across the real services — Orders, Inventory, Payments, Shipping and Notifications,
/// each its own host with its own database, on one broker — checking outcomes and the effects each
/// service recorded, not just statuses. It runs on the embedded default (SQLite files, the SQLite
/// broker) and in distributed mode (PostgreSQL databases, RabbitMQ), through the same service code.
/// </summary>
public abstract class OrderFlowTests(ServiceStorage storage) : IAsyncLifetime
{
    private readonly TestDirectory _directory = new();
    private readonly List<ServiceHost> _hosts = [];
    private ServiceHost _orders = null!;
    private ServiceHost _inventory = null!;
    private ServiceHost _payments = null!;
    private ServiceHost _shipping = null!;
    private ServiceHost _notifications = null!;

    public async Task InitializeAsync()
    {
        _inventory = await StartAsync(builder => builder.AddInventoryService(), app => app.MapInventoryEndpoints());
        _payments = await StartAsync(builder => builder.AddPaymentsService(), app => app.MapPaymentsEndpoints());
        _shipping = await StartAsync(builder => builder.AddShippingService(), app => app.MapShippingEndpoints());
        _notifications = await StartAsync(builder => builder.AddNotificationsService(), app => app.MapNotificationsEndpoints());
        _orders = await OrdersHost.StartAsync(_directory.Path, storage: storage);
        _hosts.Add(_orders);

        using var product = await _inventory.Client.PostAsJsonAsync("/api/v1/products", new { sku = "FLOW-1", name = "Flow widget", price = 12.50m, stock = 5 });
        Assert.Equal(HttpStatusCode.Created, product.StatusCode);
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        _directory.Dispose();
    }

    [Fact]
    public async Task A_good_order_is_reserved_charged_shipped_confirmed_and_notified()
    {
        var order = await PlaceAsync(OrdersHost.Order(items: [("FLOW-1", 2)]));

        var final = await WaitForFinalAsync(order);

        Assert.Equal("Confirmed", final.GetProperty("status").GetString());
        Assert.Equal(25.00m, final.GetProperty("total").GetDecimal());
        Assert.All(final.GetProperty("steps").EnumerateArray(), step => Assert.Equal("Completed", step.GetProperty("status").GetString()));
        await Eventually.HoldsAsync(async () => (await ProductAsync()).Committed == 2, "inventory commits the confirmed order's stock");
        Assert.Equal((3, 0, 2), await ProductAsync());
        var money = await GetJsonAsync(_payments, "/api/v1/payments/summary");
        Assert.Equal(25.00m, money.GetProperty("net").GetDecimal());
        Assert.Equal("Created", (await SingleAsync(_shipping, $"/api/v1/shipments?orderId={order}")).GetProperty("status").GetString());
        await Eventually.HoldsAsync(async () => await CountAsync(_notifications, $"/api/v1/notifications?orderId={order}") == 1, "one notification is recorded");
    }

    [Fact]
    public async Task A_declined_card_releases_the_reserved_stock()
    {
        var order = await PlaceAsync(OrdersHost.Order(card: "4000000000000002", items: [("FLOW-1", 2)]));

        var final = await WaitForFinalAsync(order);

        Assert.Equal("Cancelled", final.GetProperty("status").GetString());
        Assert.Contains("process_payment", final.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(["Compensated", "Failed", "Pending"], StepStatuses(final));
        Assert.Equal((5, 0, 0), await ProductAsync());
        Assert.Equal(0m, (await GetJsonAsync(_payments, "/api/v1/payments/summary")).GetProperty("net").GetDecimal());
        Assert.Equal(0, await CountAsync(_shipping, $"/api/v1/shipments?orderId={order}&status=Created"));
        await Eventually.HoldsAsync(async () => await CountAsync(_notifications, $"/api/v1/notifications?orderId={order}") == 1, "the cancellation is notified once");
    }

    [Fact]
    public async Task An_undeliverable_address_refunds_the_charge_and_releases_the_stock()
    {
        var order = await PlaceAsync(OrdersHost.Order(country: "XX", items: [("FLOW-1", 1)]));

        var final = await WaitForFinalAsync(order);

        Assert.Equal("Cancelled", final.GetProperty("status").GetString());
        Assert.Equal(["Compensated", "Compensated", "Failed"], StepStatuses(final));
        var money = await GetJsonAsync(_payments, "/api/v1/payments/summary");
        Assert.Equal((12.50m, 12.50m, 0m), (money.GetProperty("charged").GetDecimal(), money.GetProperty("refunded").GetDecimal(), money.GetProperty("net").GetDecimal()));
        Assert.Equal((5, 0, 0), await ProductAsync());
    }

    [Fact]
    public async Task Asking_for_more_than_the_stock_cancels_without_charging()
    {
        var order = await PlaceAsync(OrdersHost.Order(items: [("FLOW-1", 6)]));

        var final = await WaitForFinalAsync(order);

        Assert.Equal("Cancelled", final.GetProperty("status").GetString());
        Assert.Equal(["Failed", "Pending", "Pending"], StepStatuses(final));
        Assert.Contains("FLOW-1", final.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await GetJsonAsync(_payments, "/api/v1/payments/summary")).GetProperty("charges").GetInt32());
    }

    private async Task<ServiceHost> StartAsync(Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder> add, Action<Microsoft.AspNetCore.Builder.WebApplication> map)
    {
        var host = await ServiceHost.StartAsync(_directory.Path, add, map, storage: storage);
        _hosts.Add(host);
        return host;
    }

    private async Task<Guid> PlaceAsync(object body)
    {
        using var response = await _orders.Client.SendAsync(OrdersHost.Post(body, Guid.NewGuid().ToString()));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.ReadJsonAsync()).GetProperty("id").GetGuid();
    }

    private async Task<JsonElement> WaitForFinalAsync(Guid order)
    {
        JsonElement body = default;
        await Eventually.HoldsAsync(
            async () =>
            {
                body = await GetJsonAsync(_orders, $"/api/v1/orders/{order}");
                return body.GetProperty("status").GetString() is "Confirmed" or "Cancelled";
            },
            $"order {order} reaches a final state");
        return body;
    }

    private static List<string?> StepStatuses(JsonElement order) =>
        order.GetProperty("steps").EnumerateArray().Select(step => step.GetProperty("status").GetString()).ToList();

    private async Task<(int Stock, int Reserved, int Committed)> ProductAsync()
    {
        var product = await GetJsonAsync(_inventory, "/api/v1/products/FLOW-1");
        return (product.GetProperty("stock").GetInt32(), product.GetProperty("reserved").GetInt32(), product.GetProperty("committed").GetInt32());
    }

    private static async Task<JsonElement> GetJsonAsync(ServiceHost host, string path)
    {
        using var response = await host.Client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }

    private static async Task<int> CountAsync(ServiceHost host, string path) =>
        (await GetJsonAsync(host, path)).GetProperty("data").GetArrayLength();

    private static async Task<JsonElement> SingleAsync(ServiceHost host, string path) =>
        Assert.Single((await GetJsonAsync(host, path)).GetProperty("data").EnumerateArray());
}

public sealed class OrderFlowOnSqliteTests() : OrderFlowTests(ServiceStorage.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class OrderFlowOnPostgresAndRabbitMqTests(PostgresStorage postgres, RabbitMqServer rabbitMq)
    : OrderFlowTests(new DistributedStorage(postgres, rabbitMq));
