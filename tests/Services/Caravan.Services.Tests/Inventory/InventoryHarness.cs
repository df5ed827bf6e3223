using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Caravan.Contracts;
using Caravan.Inventory;
using Caravan.Messaging;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Caravan.Services.Tests.Inventory;

/// <summary>
/// The Inventory service on a fresh data directory, with a probe (queue <c>saga-probe</c>) that plays the
/// order saga: it sends the commands and records the replies.
/// </summary>
public sealed class InventoryHarness : ServiceTestBed
{
    public const string ProbeName = "saga-probe";

    private InventoryHarness(TestDirectory directory, ServiceHost host, MessagingProbe probe)
        : base(directory, host, probe)
    {
    }

    public static async Task<InventoryHarness> StartAsync(ServiceStorage? storage = null)
    {
        var (directory, host, probe) = await StartPartsAsync(
            path => StartHostAsync(path, storage: storage), ProbeName, typeof(StockReserved), typeof(StockReservationFailed), typeof(StockReleased));
        return new InventoryHarness(directory, host, probe);
    }

    /// <summary>Starts an Inventory host on <paramref name="dataDirectory"/> (another one may already run there).</summary>
    public static Task<ServiceHost> StartHostAsync(string dataDirectory, bool seedDemoProducts = false, ServiceStorage? storage = null) =>
        ServiceHost.StartAsync(
            dataDirectory,
            builder => builder.AddInventoryService(),
            app => app.MapInventoryEndpoints(),
            builder => builder.Configuration[InventoryService.SeedDemoProductsKey] = seedDemoProducts ? "true" : "false",
            storage);

    public async Task CreateProductAsync(string sku, decimal price, int stock)
    {
        using var response = await Client.PostAsJsonAsync("/api/v1/products", new { sku, name = $"Product {sku}", price, stock });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    public async Task<StockLevels> StockOfAsync(string sku)
    {
        var product = await Client.GetFromJsonAsync<JsonElement>($"/api/v1/products/{sku}");
        return new StockLevels(
            product.GetProperty("stock").GetInt64(), product.GetProperty("reserved").GetInt64(), product.GetProperty("committed").GetInt64());
    }

    public async Task<JsonElement> ReservationAsync(Guid orderId) =>
        await Client.GetFromJsonAsync<JsonElement>($"/api/v1/reservations/{orderId}");

    /// <summary>Sends <see cref="ReserveStock"/> and waits for the answer to this very message (the n-th answer for the order).</summary>
    public async Task<object> ReserveAsync(Guid orderId, params OrderLine[] items)
    {
        var before = AnswersTo(orderId).Count;
        await Probe.SendAsync(new ReserveStock(orderId, items));
        await Eventually.HoldsAsync(() => AnswersTo(orderId).Count > before, $"inventory answers the reserve of {orderId}");
        return AnswersTo(orderId)[before];
    }

    public async Task<StockReleased> ReleaseAsync(Guid orderId)
    {
        var before = Probe.Received.OfType<StockReleased>().Count(reply => reply.OrderId == orderId);
        await Probe.SendAsync(new ReleaseStock(orderId));
        await Eventually.HoldsAsync(
            () => Probe.Received.OfType<StockReleased>().Count(reply => reply.OrderId == orderId) > before, $"inventory answers the release of {orderId}");
        return Probe.Received.OfType<StockReleased>().Where(reply => reply.OrderId == orderId).ElementAt(before);
    }

    /// <summary>Publishes <paramref name="message"/> and waits until Inventory has handled it (its inbox holds the message id).</summary>
    public async Task PublishAndWaitHandledAsync<T>(T message)
        where T : notnull
    {
        var messageId = await Probe.Bus.PublishAsync(message);
        var database = Host.Services.GetRequiredService<IServiceDatabase>();
        await Eventually.HoldsAsync(
            async () =>
            {
                await using var connection = await database.OpenConnectionAsync();
                return await connection.ExecuteScalarAsync<long>(
                    "SELECT COUNT(*) FROM caravan_inbox WHERE CAST(message_id AS TEXT) = @Id", new { Id = messageId.ToString() }) == 1;
            },
            $"inventory handles the {typeof(T).Name} {messageId}");
    }

    /// <summary>Replies received for <paramref name="orderId"/>: reserved or failed, in arrival order.</summary>
    public IReadOnlyList<object> AnswersTo(Guid orderId) =>
        [.. Probe.Received.Where(message => message is StockReserved reserved && reserved.OrderId == orderId
            || message is StockReservationFailed failed && failed.OrderId == orderId)];

}

/// <summary>A product's three stock columns as the API shows them.</summary>
public readonly record struct StockLevels(long Stock, long Reserved, long Committed);
