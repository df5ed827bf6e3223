using Caravan.Contracts;

namespace Caravan.Services.Tests.Inventory;

/// <summary>Two Inventory instances on one database, as competing consumers of its queue.</summary>
public abstract class ConcurrentReserveTests(ServiceStorage storage)
{
    [Fact]
    public async Task Reserve_TenOrdersForTheLastFiveUnitsOnTwoInstances_NeverOversells()
    {
        await using var inventory = await InventoryHarness.StartAsync(storage);
        await using var secondInstance = await InventoryHarness.StartHostAsync(inventory.DataDirectory, storage: storage);
        await inventory.CreateProductAsync("LAST", 20m, 5);
        var orders = Enumerable.Range(0, 10).Select(_ => Guid.NewGuid()).ToList();

        await Task.WhenAll(orders.Select(orderId => inventory.Probe.SendAsync(new ReserveStock(orderId, [new OrderLine("LAST", 1)]))));
        await Eventually.HoldsAsync(() => orders.All(orderId => inventory.AnswersTo(orderId).Count == 1), "every order is answered");

        var answers = orders.Select(orderId => inventory.AnswersTo(orderId).Single()).ToList();
        Assert.Equal(5, answers.OfType<StockReserved>().Count());
        Assert.Equal(5, answers.OfType<StockReservationFailed>().Count());
        Assert.All(answers.OfType<StockReservationFailed>(), failed => Assert.Contains("LAST", failed.Reason, StringComparison.Ordinal));
        Assert.Equal(new StockLevels(0, 5, 0), await inventory.StockOfAsync("LAST"));
    }

    [Fact]
    public async Task Reserve_OneOrderSentManyTimesToTwoInstances_HoldsItsUnitsOnceAndAnswersEveryCopyAlike()
    {
        await using var inventory = await InventoryHarness.StartAsync(storage);
        await using var secondInstance = await InventoryHarness.StartHostAsync(inventory.DataDirectory, storage: storage);
        await inventory.CreateProductAsync("COPY", 4m, 10);
        var orderId = Guid.NewGuid();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => inventory.Probe.SendAsync(new ReserveStock(orderId, [new OrderLine("COPY", 3)]))));
        await Eventually.HoldsAsync(() => inventory.AnswersTo(orderId).Count >= 8, "every copy is answered");

        Assert.All(inventory.AnswersTo(orderId), answer => Assert.Equal(12m, Assert.IsType<StockReserved>(answer).Total));
        Assert.Equal(new StockLevels(7, 3, 0), await inventory.StockOfAsync("COPY"));
    }

    [Fact]
    public async Task ReserveThenRelease_TwoSkusInOppositeOrdersOnTwoInstances_HoldsEachUnitOnceAndGivesItBackOnce()
    {
        await using var inventory = await InventoryHarness.StartAsync(storage);
        await using var secondInstance = await InventoryHarness.StartHostAsync(inventory.DataDirectory, storage: storage);
        await inventory.CreateProductAsync("LEFT", 5m, 6);
        await inventory.CreateProductAsync("RIGHT", 7m, 6);
        var orders = Enumerable.Range(0, 10).Select(_ => Guid.NewGuid()).ToList();

        // Half the orders name the skus one way round, half the other: locks taken in line order would deadlock.
        await Task.WhenAll(orders.Select((orderId, i) => inventory.Probe.SendAsync(new ReserveStock(
            orderId, i % 2 == 0 ? [new OrderLine("LEFT", 1), new OrderLine("RIGHT", 1)] : [new OrderLine("RIGHT", 1), new OrderLine("LEFT", 1)]))));
        await Eventually.HoldsAsync(() => orders.All(orderId => inventory.AnswersTo(orderId).Count == 1), "every order is answered");
        Assert.Equal(6, orders.Count(orderId => inventory.AnswersTo(orderId).Single() is StockReserved));
        Assert.Equal(new StockLevels(0, 6, 0), await inventory.StockOfAsync("LEFT"));
        Assert.Equal(new StockLevels(0, 6, 0), await inventory.StockOfAsync("RIGHT"));

        // Every order released twice at once: each reservation gives its units back exactly once.
        await Task.WhenAll(orders.Concat(orders).Select(orderId => inventory.Probe.SendAsync(new ReleaseStock(orderId))));
        await Eventually.HoldsAsync(
            () => orders.All(orderId => inventory.Probe.Received.OfType<StockReleased>().Count(released => released.OrderId == orderId) == 2),
            "every release is answered");
        Assert.Equal(new StockLevels(6, 0, 0), await inventory.StockOfAsync("LEFT"));
        Assert.Equal(new StockLevels(6, 0, 0), await inventory.StockOfAsync("RIGHT"));
    }
}

public sealed class ConcurrentReserveOnSqliteTests() : ConcurrentReserveTests(ServiceStorage.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class ConcurrentReserveOnPostgresTests(PostgresStorage storage) : ConcurrentReserveTests(storage);
