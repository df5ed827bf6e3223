using Caravan.Contracts;

namespace Caravan.Services.Tests.Shipping;

public abstract class CancelShipmentTests(ServiceStorage storage)
{
    [Fact]
    public async Task Cancel_CreatedShipment_CancelsItOnceAndALaterCreateIsRejected()
    {
        await using var bed = await ShippingTestBed.StartAsync(storage);
        var orderId = Guid.NewGuid();
        var create = new CreateShipment(orderId, ShippingTestBed.Home, ShippingTestBed.Items);
        var created = Assert.IsType<ShipmentCreated>(await bed.CreateAsync(create));

        var first = await bed.CancelAsync(orderId);
        var second = await bed.CancelAsync(orderId);
        var again = await bed.CreateAsync(create);

        Assert.Equal(new ShipmentCancelled(orderId), first);
        Assert.Equal(first, second);
        Assert.Equal(new ShipmentRejected(orderId, "order was cancelled"), again);
        var shipment = await (await bed.Client.GetAsync($"/api/v1/shipments/{created.ShipmentId}")).ReadJsonAsync();
        Assert.Equal("Cancelled", shipment.GetProperty("status").GetString());
        Assert.Equal(1L, Assert.Single(await bed.QueryAsync<long>("SELECT COUNT(*) FROM shipments")));
    }

    [Fact]
    public async Task Cancel_BeforeCreate_LeavesATombstoneSoTheOvertakenCreateIsRejected()
    {
        await using var bed = await ShippingTestBed.StartAsync(storage);
        var orderId = Guid.NewGuid();

        var cancelled = await bed.CancelAsync(orderId);
        var create = await bed.CreateAsync(new CreateShipment(orderId, ShippingTestBed.Home, ShippingTestBed.Items));

        Assert.Equal(new ShipmentCancelled(orderId), cancelled);
        Assert.Equal(new ShipmentRejected(orderId, "order was cancelled"), create);
        Assert.Empty(await bed.QueryAsync<string>("SELECT shipment_id FROM shipments WHERE shipment_id IS NOT NULL"));
        var list = await (await bed.Client.GetAsync($"/api/v1/shipments?orderId={orderId}")).ReadJsonAsync();
        var tombstone = Assert.Single(list.GetProperty("data").EnumerateArray());
        Assert.Equal("Cancelled", tombstone.GetProperty("status").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, tombstone.GetProperty("shipmentId").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, tombstone.GetProperty("address").ValueKind);
        Assert.Empty(tombstone.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Cancel_RejectedShipment_RepliesCancelledAndKeepsTheRejection()
    {
        await using var bed = await ShippingTestBed.StartAsync(storage);
        var orderId = Guid.NewGuid();
        var create = new CreateShipment(orderId, ShippingTestBed.Home with { Country = "XX" }, ShippingTestBed.Items);
        await bed.CreateAsync(create);

        var cancelled = await bed.CancelAsync(orderId);
        var again = await bed.CreateAsync(create);

        Assert.Equal(new ShipmentCancelled(orderId), cancelled);
        Assert.Equal(new ShipmentRejected(orderId, "cannot ship to country XX"), again);
        Assert.Equal("Rejected", Assert.Single(await bed.QueryAsync<string>("SELECT status FROM shipments")));
    }
}

public sealed class CancelShipmentOnSqliteTests() : CancelShipmentTests(ServiceStorage.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class CancelShipmentOnPostgresTests(PostgresStorage storage) : CancelShipmentTests(storage);
