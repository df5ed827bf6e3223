using Caravan.Contracts;

namespace Caravan.Services.Tests.Shipping;

public abstract class CreateShipmentTests(ServiceStorage storage)
{
    [Fact]
    public async Task Create_ValidAddress_RepliesCreatedAndStoresTheShipment()
    {
        await using var bed = await ShippingTestBed.StartAsync(storage);
        var orderId = Guid.NewGuid();

        var reply = await bed.CreateAsync(new CreateShipment(orderId, ShippingTestBed.Home with { Country = "us" }, ShippingTestBed.Items));

        var created = Assert.IsType<ShipmentCreated>(reply);
        Assert.Equal(orderId, created.OrderId);
        var shipment = await (await bed.Client.GetAsync($"/api/v1/shipments/{created.ShipmentId}")).ReadJsonAsync();
        Assert.Equal(created.ShipmentId, shipment.GetProperty("shipmentId").GetGuid());
        Assert.Equal(orderId, shipment.GetProperty("orderId").GetGuid());
        Assert.Equal("Created", shipment.GetProperty("status").GetString());
        var address = shipment.GetProperty("address");
        Assert.Equal("1 Main Street", address.GetProperty("line1").GetString());
        Assert.Equal("Springfield", address.GetProperty("city").GetString());
        Assert.Equal("12345", address.GetProperty("postalCode").GetString());
        Assert.Equal("US", address.GetProperty("country").GetString());
        var items = shipment.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["SKU-1", "SKU-2"], items.Select(item => item.GetProperty("sku").GetString()));
        Assert.Equal([2, 1], items.Select(item => item.GetProperty("quantity").GetInt32()));
    }

    [Fact]
    public async Task Create_SameOrderAgainWithNewMessageId_RepliesTheSameShipment()
    {
        await using var bed = await ShippingTestBed.StartAsync(storage);
        var command = new CreateShipment(Guid.NewGuid(), ShippingTestBed.Home, ShippingTestBed.Items);

        var first = Assert.IsType<ShipmentCreated>(await bed.CreateAsync(command));
        var second = Assert.IsType<ShipmentCreated>(await bed.CreateAsync(command));

        Assert.Equal(first, second);
        Assert.Equal(1L, Assert.Single(await bed.QueryAsync<long>("SELECT COUNT(*) FROM shipments")));
    }

    [Theory]
    [InlineData("XX")]
    [InlineData("xx")]
    [InlineData(" Xx ")]
    public async Task Create_CountryXX_IsRejectedAndRejectedAgainOnRepeat(string country)
    {
        await using var bed = await ShippingTestBed.StartAsync(storage);
        var orderId = Guid.NewGuid();
        var command = new CreateShipment(orderId, ShippingTestBed.Home with { Country = country }, ShippingTestBed.Items);

        var first = await bed.CreateAsync(command);
        var second = await bed.CreateAsync(command);

        Assert.Equal(new ShipmentRejected(orderId, "cannot ship to country XX"), first);
        Assert.Equal(first, second);
        Assert.Equal("Rejected", Assert.Single(await bed.QueryAsync<string>("SELECT status FROM shipments")));
        Assert.Empty(await bed.QueryAsync<string>("SELECT shipment_id FROM shipments WHERE shipment_id IS NOT NULL"));
    }

    public static TheoryData<Address?, string> BadAddresses => new()
    {
        { null, "shipping address is required" },
        { new Address("", "Springfield", "12345", "US"), "shipping address is missing line1" },
        { new Address(" ", " ", "12345", "US"), "shipping address is missing line1, city" },
        { new Address("1 Main Street", "Springfield", "", ""), "shipping address is missing postalCode, country" },
        { new Address("1 Main Street", "Springfield", "12345", "USA"), "shipping address country must be a two-letter ISO 3166-1 code" },
        { new Address("1 Main Street", "Springfield", "12345", "U1"), "shipping address country must be a two-letter ISO 3166-1 code" },
    };

    [Theory]
    [MemberData(nameof(BadAddresses))]
    public async Task Create_BlankOrInvalidAddress_IsRejectedWithTheReason(Address? address, string reason)
    {
        await using var bed = await ShippingTestBed.StartAsync(storage);
        var orderId = Guid.NewGuid();

        var reply = await bed.CreateAsync(new CreateShipment(orderId, address!, ShippingTestBed.Items));

        Assert.Equal(new ShipmentRejected(orderId, reason), reply);
        Assert.Equal(reason, Assert.Single(await bed.QueryAsync<string>("SELECT reason FROM shipments WHERE status = 'Rejected'")));
    }

    [Fact]
    public async Task Create_WithoutItems_IsRejected()
    {
        await using var bed = await ShippingTestBed.StartAsync(storage);
        var orderId = Guid.NewGuid();

        var reply = await bed.CreateAsync(new CreateShipment(orderId, ShippingTestBed.Home, []));

        Assert.Equal(new ShipmentRejected(orderId, "there are no items to ship"), reply);
    }
}

public sealed class CreateShipmentOnSqliteTests() : CreateShipmentTests(ServiceStorage.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class CreateShipmentOnPostgresTests(PostgresStorage storage) : CreateShipmentTests(storage);
