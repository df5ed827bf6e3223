using Caravan.Contracts;

namespace Caravan.Services.Tests.Inventory;

public sealed class ConcurrentReserveTests
{
    [Fact]
    public async Task Reserve_TenOrdersForTheLastFiveUnitsOnTwoInstances_NeverOversells()
    {
        await using var inventory = await InventoryHarness.StartAsync();
        await using var secondInstance = await InventoryHarness.StartHostAsync(inventory.DataDirectory);
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
}
