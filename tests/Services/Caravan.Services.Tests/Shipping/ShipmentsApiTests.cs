using System.Net;
using Caravan.Contracts;

namespace Caravan.Services.Tests.Shipping;

public abstract class ShipmentsApiTests(ServiceStorage storage)
{
    [Fact]
    public async Task List_FiltersByStatusAndOrder_AndPaginatesNewestFirst()
    {
        await using var bed = await ShippingTestBed.StartAsync(storage);
        var (first, second, third) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await bed.CreateAsync(new CreateShipment(first, ShippingTestBed.Home, ShippingTestBed.Items));
        await bed.CreateAsync(new CreateShipment(second, ShippingTestBed.Home with { Country = "XX" }, ShippingTestBed.Items));
        await bed.CancelAsync(third);

        var page1 = await (await bed.Client.GetAsync("/api/v1/shipments?limit=2")).ReadJsonAsync();
        var page2 = await (await bed.Client.GetAsync("/api/v1/shipments?limit=2&page=2")).ReadJsonAsync();
        var created = await (await bed.Client.GetAsync("/api/v1/shipments?status=created")).ReadJsonAsync();
        var cancelled = await (await bed.Client.GetAsync("/api/v1/shipments?status=Cancelled")).ReadJsonAsync();
        var bySecond = await (await bed.Client.GetAsync($"/api/v1/shipments?orderId={second}")).ReadJsonAsync();

        Assert.Equal([third, second], page1.GetProperty("data").EnumerateArray().Select(s => s.GetProperty("orderId").GetGuid()));
        Assert.Equal([first], page2.GetProperty("data").EnumerateArray().Select(s => s.GetProperty("orderId").GetGuid()));
        Assert.Equal(3, page1.GetProperty("pagination").GetProperty("total").GetInt32());
        Assert.Equal(2, page1.GetProperty("pagination").GetProperty("pages").GetInt32());
        Assert.Equal(first, Assert.Single(created.GetProperty("data").EnumerateArray()).GetProperty("orderId").GetGuid());
        Assert.Equal(third, Assert.Single(cancelled.GetProperty("data").EnumerateArray()).GetProperty("orderId").GetGuid());
        var rejected = Assert.Single(bySecond.GetProperty("data").EnumerateArray());
        Assert.Equal("Rejected", rejected.GetProperty("status").GetString());
        Assert.Equal("cannot ship to country XX", rejected.GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData("/api/v1/shipments/0196a3c4-0000-7000-8000-000000000000")]
    [InlineData("/api/v1/shipments/12")]
    public async Task Get_UnknownShipment_Is404Problem(string path)
    {
        await using var bed = await ShippingTestBed.StartAsync(storage);

        var response = await bed.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/api/v1/shipments?status=Shipped", "status")]
    [InlineData("/api/v1/shipments?status=1", "status")]
    [InlineData("/api/v1/shipments?orderId=abc", "orderId")]
    [InlineData("/api/v1/shipments?page=-1", "page")]
    [InlineData("/api/v1/shipments?limit=0", "limit")]
    public async Task List_InvalidQueryValue_Is400NamingTheField(string path, string field)
    {
        await using var bed = await ShippingTestBed.StartAsync(storage);

        var response = await bed.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty(field, out _), $"The problem should name '{field}'.");
    }
}

public sealed class ShipmentsApiOnSqliteTests() : ShipmentsApiTests(ServiceStorage.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class ShipmentsApiOnPostgresTests(PostgresStorage storage) : ShipmentsApiTests(storage);
