using System.Net.Http.Json;
using System.Text.Json;

namespace Caravan.EndToEnd.Tests.Scenario;

public sealed record OrderView(Guid Id, string Status, decimal? Total, string? Reason, IReadOnlyList<PlannedLine> Items);

public sealed record ProductView(string Sku, int Stock, int Reserved, int Committed);

public sealed record LedgerEntry(Guid OrderId, string IdempotencyKey, string Kind, decimal Amount);

public sealed record ShipmentView(Guid OrderId, string Status);

public sealed record NotificationView(Guid OrderId, string Kind);

/// <summary>Everything the invariants are checked against, read through the public entry point, page by page.</summary>
public sealed record SystemSnapshot(
    IReadOnlyList<OrderView> Orders,
    IReadOnlyList<ProductView> Products,
    IReadOnlyList<LedgerEntry> Ledger,
    JsonElement PaymentSummary,
    IReadOnlyList<ShipmentView> Shipments,
    IReadOnlyList<NotificationView> Notifications)
{
    public static async Task<SystemSnapshot> ReadAsync(HttpClient gateway, CancellationToken cancellationToken)
    {
        var orders = await ReadAllAsync(gateway, "/api/v1/orders", order => new OrderView(
            order.GetProperty("id").GetGuid(),
            order.GetProperty("status").GetString()!,
            order.GetProperty("total").ValueKind == JsonValueKind.Number ? order.GetProperty("total").GetDecimal() : null,
            order.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String ? reason.GetString() : null,
            order.GetProperty("items").EnumerateArray().Select(item => new PlannedLine(item.GetProperty("sku").GetString()!, item.GetProperty("quantity").GetInt32())).ToList()), cancellationToken);
        var products = await ReadAllAsync(gateway, "/api/v1/products", product => new ProductView(
            product.GetProperty("sku").GetString()!,
            product.GetProperty("stock").GetInt32(),
            product.GetProperty("reserved").GetInt32(),
            product.GetProperty("committed").GetInt32()), cancellationToken);
        var ledger = await ReadAllAsync(gateway, "/api/v1/payments/ledger", entry => new LedgerEntry(
            entry.GetProperty("orderId").GetGuid(),
            entry.GetProperty("idempotencyKey").GetString()!,
            entry.GetProperty("kind").GetString()!,
            entry.GetProperty("amount").GetDecimal()), cancellationToken);
        var summary = await gateway.GetFromJsonAsync<JsonElement>("/api/v1/payments/summary", cancellationToken);
        var shipments = await ReadAllAsync(gateway, "/api/v1/shipments", shipment => new ShipmentView(
            shipment.GetProperty("orderId").GetGuid(),
            shipment.GetProperty("status").GetString()!), cancellationToken);
        var notifications = await ReadAllAsync(gateway, "/api/v1/notifications", notification => new NotificationView(
            notification.GetProperty("orderId").GetGuid(),
            notification.GetProperty("kind").GetString()!), cancellationToken);
        return new SystemSnapshot(orders, products, ledger, summary, shipments, notifications);
    }

    public static async Task<IReadOnlyList<ProductView>> ReadProductsAsync(HttpClient gateway, CancellationToken cancellationToken) =>
        await ReadAllAsync(gateway, "/api/v1/products", product => new ProductView(
            product.GetProperty("sku").GetString()!,
            product.GetProperty("stock").GetInt32(),
            product.GetProperty("reserved").GetInt32(),
            product.GetProperty("committed").GetInt32()), cancellationToken);

    /// <summary>Orders not yet Confirmed or Cancelled.</summary>
    public static async Task<long> CountUnfinishedAsync(HttpClient gateway, CancellationToken cancellationToken)
    {
        long unfinished = 0;
        foreach (var status in new[] { "Pending", "Compensating" })
        {
            var page = await gateway.GetFromJsonAsync<JsonElement>($"/api/v1/orders?status={status}&limit=1", cancellationToken);
            unfinished += page.GetProperty("pagination").GetProperty("total").GetInt64();
        }

        return unfinished;
    }

    private static async Task<IReadOnlyList<T>> ReadAllAsync<T>(HttpClient gateway, string path, Func<JsonElement, T> read, CancellationToken cancellationToken)
    {
        var items = new List<T>();
        for (var page = 1; ; page++)
        {
            var body = await gateway.GetFromJsonAsync<JsonElement>($"{path}?page={page}&limit=100", cancellationToken);
            items.AddRange(body.GetProperty("data").EnumerateArray().Select(read));
            if (page >= body.GetProperty("pagination").GetProperty("pages").GetInt64())
            {
                return items;
            }
        }
    }
}
