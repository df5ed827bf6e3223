using Caravan.Contracts;

namespace Caravan.Services.Tests.Inventory;

public abstract class ReleaseAndCommitTests(ServiceStorage storage) : IAsyncLifetime
{
    private static readonly DateTimeOffset ConfirmedAt = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private InventoryHarness _inventory = null!;

    public async Task InitializeAsync()
    {
        _inventory = await InventoryHarness.StartAsync(storage);
        await _inventory.CreateProductAsync("LAMP", 12.5m, 10);
    }

    public async Task DisposeAsync() => await _inventory.DisposeAsync();

    [Fact]
    public async Task Release_OfAReservation_GivesTheStockBackOnce()
    {
        var orderId = Guid.NewGuid();
        Assert.IsType<StockReserved>(await _inventory.ReserveAsync(orderId, new OrderLine("LAMP", 3)));

        var released = await _inventory.ReleaseAsync(orderId);
        var releasedAgain = await _inventory.ReleaseAsync(orderId);

        Assert.Equal(orderId, released.OrderId);
        Assert.Equal(orderId, releasedAgain.OrderId);
        Assert.Equal(new StockLevels(10, 0, 0), await _inventory.StockOfAsync("LAMP"));
        Assert.Equal("Released", (await _inventory.ReservationAsync(orderId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Reserve_AfterItsRelease_FailsAsAlreadyReleased()
    {
        var orderId = Guid.NewGuid();
        Assert.IsType<StockReserved>(await _inventory.ReserveAsync(orderId, new OrderLine("LAMP", 3)));
        await _inventory.ReleaseAsync(orderId);

        var answer = await _inventory.ReserveAsync(orderId, new OrderLine("LAMP", 3));

        Assert.Equal("order was already released", Assert.IsType<StockReservationFailed>(answer).Reason);
        Assert.Equal(new StockLevels(10, 0, 0), await _inventory.StockOfAsync("LAMP"));
    }

    [Fact]
    public async Task Release_BeforeTheReserve_LeavesATombstoneSoTheLateReserveFails()
    {
        var orderId = Guid.NewGuid();

        var released = await _inventory.ReleaseAsync(orderId);
        var answer = await _inventory.ReserveAsync(orderId, new OrderLine("LAMP", 3));

        Assert.Equal(orderId, released.OrderId);
        Assert.Equal("order was already released", Assert.IsType<StockReservationFailed>(answer).Reason);
        Assert.Equal(new StockLevels(10, 0, 0), await _inventory.StockOfAsync("LAMP"));
        Assert.Equal("Released", (await _inventory.ReservationAsync(orderId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Release_OfAFailedReserve_MarksItReleasedAndChangesNoStock()
    {
        var orderId = Guid.NewGuid();
        Assert.IsType<StockReservationFailed>(await _inventory.ReserveAsync(orderId, new OrderLine("LAMP", 11)));

        await _inventory.ReleaseAsync(orderId);

        Assert.Equal(new StockLevels(10, 0, 0), await _inventory.StockOfAsync("LAMP"));
        Assert.Equal("Released", (await _inventory.ReservationAsync(orderId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task OrderConfirmed_CommitsTheReservationOnceEvenWhenRepeated()
    {
        var orderId = Guid.NewGuid();
        var reserved = Assert.IsType<StockReserved>(await _inventory.ReserveAsync(orderId, new OrderLine("LAMP", 3)));
        var confirmed = new OrderConfirmed(orderId, Guid.NewGuid(), reserved.Total, ConfirmedAt);

        await _inventory.PublishAndWaitHandledAsync(confirmed);
        Assert.Equal(new StockLevels(7, 0, 3), await _inventory.StockOfAsync("LAMP"));
        Assert.Equal("Committed", (await _inventory.ReservationAsync(orderId)).GetProperty("status").GetString());

        await _inventory.PublishAndWaitHandledAsync(confirmed);
        Assert.Equal(new StockLevels(7, 0, 3), await _inventory.StockOfAsync("LAMP"));
    }

    [Fact]
    public async Task AfterCommit_ReleaseKeepsTheSaleAndReserveRepeatsTheFirstAnswer()
    {
        var orderId = Guid.NewGuid();
        var reserved = Assert.IsType<StockReserved>(await _inventory.ReserveAsync(orderId, new OrderLine("LAMP", 3)));
        await _inventory.PublishAndWaitHandledAsync(new OrderConfirmed(orderId, Guid.NewGuid(), reserved.Total, ConfirmedAt));

        var released = await _inventory.ReleaseAsync(orderId);
        var again = Assert.IsType<StockReserved>(await _inventory.ReserveAsync(orderId, new OrderLine("LAMP", 3)));

        Assert.Equal(orderId, released.OrderId);
        Assert.Equal(reserved.Lines, again.Lines);
        Assert.Equal(reserved.Total, again.Total);
        Assert.Equal(new StockLevels(7, 0, 3), await _inventory.StockOfAsync("LAMP"));
        Assert.Equal("Committed", (await _inventory.ReservationAsync(orderId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task OrderConfirmed_OfAReleasedOrder_ChangesNothing()
    {
        var orderId = Guid.NewGuid();
        Assert.IsType<StockReserved>(await _inventory.ReserveAsync(orderId, new OrderLine("LAMP", 3)));
        await _inventory.ReleaseAsync(orderId);

        await _inventory.PublishAndWaitHandledAsync(new OrderConfirmed(orderId, Guid.NewGuid(), 37.5m, ConfirmedAt));

        Assert.Equal(new StockLevels(10, 0, 0), await _inventory.StockOfAsync("LAMP"));
        Assert.Equal("Released", (await _inventory.ReservationAsync(orderId)).GetProperty("status").GetString());
    }
}

public sealed class ReleaseAndCommitOnSqliteTests() : ReleaseAndCommitTests(ServiceStorage.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class ReleaseAndCommitOnPostgresTests(PostgresStorage storage) : ReleaseAndCommitTests(storage);
