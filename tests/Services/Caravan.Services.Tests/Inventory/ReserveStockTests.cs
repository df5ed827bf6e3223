using System.Net.Http.Json;
using Caravan.Contracts;

namespace Caravan.Services.Tests.Inventory;

public abstract class ReserveStockTests(ServiceStorage storage) : IAsyncLifetime
{
    private InventoryHarness _inventory = null!;

    public async Task InitializeAsync()
    {
        _inventory = await InventoryHarness.StartAsync(storage);
        await _inventory.CreateProductAsync("LAMP", 12.5m, 10);
        await _inventory.CreateProductAsync("MUG", 3.99m, 5);
    }

    public async Task DisposeAsync() => await _inventory.DisposeAsync();

    [Fact]
    public async Task Reserve_AvailableStock_RepliesWithUnitPricesAndTotal()
    {
        var orderId = Guid.NewGuid();

        var answer = await _inventory.ReserveAsync(orderId, new OrderLine("LAMP", 2), new OrderLine("MUG", 3));

        var reserved = Assert.IsType<StockReserved>(answer);
        Assert.Equal(orderId, reserved.OrderId);
        Assert.Equal(new[] { new PricedLine("LAMP", 2, 12.50m), new PricedLine("MUG", 3, 3.99m) }, reserved.Lines);
        Assert.Equal(36.97m, reserved.Total);
        Assert.Equal(new StockLevels(8, 2, 0), await _inventory.StockOfAsync("LAMP"));
        Assert.Equal(new StockLevels(2, 3, 0), await _inventory.StockOfAsync("MUG"));
        var record = await _inventory.ReservationAsync(orderId);
        Assert.Equal("Reserved", record.GetProperty("status").GetString());
        Assert.Equal(2, record.GetProperty("lines").GetArrayLength());
        Assert.Equal("12.50", record.GetProperty("lines")[0].GetProperty("unitPrice").GetRawText());
    }

    [Fact]
    public async Task Reserve_SameSkuOnTwoLines_ReservesTheSumOnce()
    {
        var answer = await _inventory.ReserveAsync(Guid.NewGuid(), new OrderLine("MUG", 2), new OrderLine("MUG", 3));

        var reserved = Assert.IsType<StockReserved>(answer);
        Assert.Equal(19.95m, reserved.Total);
        Assert.Equal(new StockLevels(0, 5, 0), await _inventory.StockOfAsync("MUG"));
    }

    [Fact]
    public async Task Reserve_UnknownSku_FailsNamingItAndReservesNothing()
    {
        var orderId = Guid.NewGuid();

        var answer = await _inventory.ReserveAsync(orderId, new OrderLine("LAMP", 1), new OrderLine("NOPE-9", 1));

        var failed = Assert.IsType<StockReservationFailed>(answer);
        Assert.Contains("NOPE-9", failed.Reason, StringComparison.Ordinal);
        Assert.Equal(new StockLevels(10, 0, 0), await _inventory.StockOfAsync("LAMP"));
        var record = await _inventory.ReservationAsync(orderId);
        Assert.Equal("Failed", record.GetProperty("status").GetString());
        Assert.Equal(failed.Reason, record.GetProperty("reason").GetString());
        Assert.Equal(0, record.GetProperty("lines").GetArrayLength());
    }

    [Fact]
    public async Task Reserve_NotEnoughOfOneSku_FailsNamingItAndReservesNothing()
    {
        var answer = await _inventory.ReserveAsync(Guid.NewGuid(), new OrderLine("LAMP", 2), new OrderLine("MUG", 6));

        var failed = Assert.IsType<StockReservationFailed>(answer);
        Assert.Contains("MUG", failed.Reason, StringComparison.Ordinal);
        Assert.Equal(new StockLevels(10, 0, 0), await _inventory.StockOfAsync("LAMP"));
        Assert.Equal(new StockLevels(5, 0, 0), await _inventory.StockOfAsync("MUG"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public async Task Reserve_NonPositiveQuantity_FailsAndReservesNothing(int quantity)
    {
        var answer = await _inventory.ReserveAsync(Guid.NewGuid(), new OrderLine("LAMP", 1), new OrderLine("MUG", quantity));

        var failed = Assert.IsType<StockReservationFailed>(answer);
        Assert.Contains("MUG", failed.Reason, StringComparison.Ordinal);
        Assert.Equal(new StockLevels(10, 0, 0), await _inventory.StockOfAsync("LAMP"));
    }

    [Fact]
    public async Task Reserve_NoItems_Fails()
    {
        var answer = await _inventory.ReserveAsync(Guid.NewGuid());

        Assert.IsType<StockReservationFailed>(answer);
    }

    [Fact]
    public async Task Reserve_RepeatedWithNewMessageId_ReservesOnceAndRepliesTheSame()
    {
        var orderId = Guid.NewGuid();

        var first = Assert.IsType<StockReserved>(await _inventory.ReserveAsync(orderId, new OrderLine("LAMP", 4)));
        var second = Assert.IsType<StockReserved>(await _inventory.ReserveAsync(orderId, new OrderLine("LAMP", 4)));

        Assert.Equal(first.Total, second.Total);
        Assert.Equal(first.Lines, second.Lines);
        Assert.Equal(new StockLevels(6, 4, 0), await _inventory.StockOfAsync("LAMP"));
    }

    [Fact]
    public async Task Reserve_RepeatAfterAFailure_FailsTheSameEvenOnceStockArrives()
    {
        var orderId = Guid.NewGuid();
        var first = Assert.IsType<StockReservationFailed>(await _inventory.ReserveAsync(orderId, new OrderLine("MUG", 6)));
        using (var restock = await _inventory.Client.PutAsJsonAsync("/api/v1/products/MUG", new { name = "Mug", price = 3.99m, stock = 100 }))
        {
            restock.EnsureSuccessStatusCode();
        }

        var second = Assert.IsType<StockReservationFailed>(await _inventory.ReserveAsync(orderId, new OrderLine("MUG", 6)));

        Assert.Equal(first.Reason, second.Reason);
        Assert.Equal(new StockLevels(100, 0, 0), await _inventory.StockOfAsync("MUG"));
    }
}

public sealed class ReserveStockOnSqliteTests() : ReserveStockTests(ServiceStorage.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class ReserveStockOnPostgresTests(PostgresStorage storage) : ReserveStockTests(storage);
