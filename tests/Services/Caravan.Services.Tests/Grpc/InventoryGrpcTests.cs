using System.Net;
using Caravan.Inventory.Grpc.V1;
using Grpc.Core;

namespace Caravan.Services.Tests.Grpc;

/// <summary>caravan.inventory.v1.Inventory through a real Kestrel HTTP/2-only (h2c) endpoint and a real Grpc.Net.Client channel.</summary>
public abstract class InventoryGrpcTests(ServiceStorage storage) : IAsyncLifetime
{
    private InventoryGrpcHost _inventory = null!;

    public async Task InitializeAsync()
    {
        _inventory = await InventoryGrpcHost.StartAsync(storage: storage);
        await _inventory.CreateProductAsync("TENT", 120.00m, 5);
        await _inventory.CreateProductAsync("LAMP", 15.50m, 3);
    }

    public async Task DisposeAsync() => await _inventory.DisposeAsync();

    [Fact]
    public async Task GetStock_answers_the_levels_of_each_sku_in_the_order_asked()
    {
        var response = await _inventory.Inventory.GetStockAsync(Skus("LAMP", "TENT"));

        Assert.Equal(["LAMP", "TENT"], response.Items.Select(item => item.Sku));
        Assert.Equal((3L, 0L, 0L), Levels(response.Items[0]));
        Assert.Equal((5L, 0L, 0L), Levels(response.Items[1]));
    }

    [Fact]
    public async Task GetStock_of_an_unknown_sku_is_NotFound_naming_it()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _inventory.Inventory.GetStockAsync(Skus("TENT", "NOPE")).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("'NOPE'", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(["NOPE"], error.Trailers.GetAll("caravan-unknown-sku").Select(entry => entry.Value));
    }

    [Theory]
    [InlineData(new string[0], "skus")]
    [InlineData(new[] { "TENT", " " }, "skus[1]")]
    [InlineData(new[] { "TENT", "TENT" }, "skus[1]")]
    public async Task GetStock_with_bad_input_is_InvalidArgument_naming_the_field(string[] skus, string field)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _inventory.Inventory.GetStockAsync(Skus(skus)).ResponseAsync);

        AssertInvalidArgument(error, field);
    }

    [Fact]
    public async Task GetStock_of_too_many_skus_is_InvalidArgument_naming_skus()
    {
        var skus = Enumerable.Range(0, 501).Select(index => $"SKU-{index}").ToArray();

        var error = await Assert.ThrowsAsync<RpcException>(() => _inventory.Inventory.GetStockAsync(Skus(skus)).ResponseAsync);

        AssertInvalidArgument(error, "skus");
    }

    [Fact]
    public async Task Reserve_twice_for_one_order_reserves_once_and_answers_the_same()
    {
        var orderId = Guid.NewGuid();

        var first = await _inventory.Inventory.ReserveAsync(Reserve(orderId, ("TENT", 2), ("LAMP", 1)));
        var second = await _inventory.Inventory.ReserveAsync(Reserve(orderId, ("TENT", 2), ("LAMP", 1)));

        Assert.False(first.Replayed);
        Assert.True(second.Replayed);
        Assert.Equal(2 * 12000 + 1550, first.TotalCents);
        Assert.Equal(first.TotalCents, second.TotalCents);
        Assert.Equal(first.Lines, second.Lines);
        var stock = await _inventory.Inventory.GetStockAsync(Skus("TENT", "LAMP"));
        Assert.Equal((3L, 2L, 0L), Levels(stock.Items[0]));
        Assert.Equal((2L, 1L, 0L), Levels(stock.Items[1]));
    }

    [Fact]
    public async Task Reserve_of_more_than_is_available_is_FailedPrecondition_holds_nothing_and_repeats_the_same()
    {
        var orderId = Guid.NewGuid();

        var first = await Assert.ThrowsAsync<RpcException>(() => _inventory.Inventory.ReserveAsync(Reserve(orderId, ("TENT", 1), ("LAMP", 4))).ResponseAsync);
        await _inventory.SetStockAsync("LAMP", 15.50m, 10);
        var repeat = await Assert.ThrowsAsync<RpcException>(() => _inventory.Inventory.ReserveAsync(Reserve(orderId, ("TENT", 1), ("LAMP", 4))).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, first.StatusCode);
        Assert.Contains("not enough stock for sku 'LAMP': 4 requested, 3 available", first.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.FailedPrecondition, repeat.StatusCode);
        Assert.Equal(first.Status.Detail, repeat.Status.Detail);
        var stock = await _inventory.Inventory.GetStockAsync(Skus("TENT", "LAMP"));
        Assert.Equal((5L, 0L, 0L), Levels(stock.Items[0]));
        Assert.Equal((10L, 0L, 0L), Levels(stock.Items[1]));
    }

    [Fact]
    public async Task Reserve_of_an_unknown_sku_is_NotFound_naming_it()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _inventory.Inventory.ReserveAsync(Reserve(Guid.NewGuid(), ("TENT", 1), ("NOPE", 1))).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal(["NOPE"], error.Trailers.GetAll("caravan-unknown-sku").Select(entry => entry.Value));
        Assert.Equal((5L, 0L, 0L), Levels((await _inventory.Inventory.GetStockAsync(Skus("TENT"))).Items[0]));
    }

    [Theory]
    [InlineData("not-a-guid", "TENT", 1, "order_id")]
    [InlineData("", "TENT", 1, "order_id")]
    [InlineData("00000000-0000-0000-0000-000000000000", "TENT", 1, "order_id")]
    [InlineData(null, "", 1, "items[0].sku")]
    [InlineData(null, "TENT", 0, "items[0].quantity")]
    [InlineData(null, "TENT", -3, "items[0].quantity")]
    [InlineData(null, null, 0, "items")]
    public async Task Reserve_with_bad_input_is_InvalidArgument_naming_the_field_and_records_nothing(string? orderId, string? sku, int quantity, string field)
    {
        var id = Guid.NewGuid();
        var request = new ReserveRequest { OrderId = orderId ?? id.ToString() };
        if (sku is not null)
        {
            request.Items.Add(new ReserveLine { Sku = sku, Quantity = quantity });
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => _inventory.Inventory.ReserveAsync(request).ResponseAsync);

        AssertInvalidArgument(error, field);
        using var record = await _inventory.Rest.GetAsync(new Uri($"/api/v1/reservations/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, record.StatusCode);
        Assert.Equal((5L, 0L, 0L), Levels((await _inventory.Inventory.GetStockAsync(Skus("TENT"))).Items[0]));
    }

    [Fact]
    public async Task Release_gives_the_units_back_once()
    {
        var orderId = Guid.NewGuid();
        await _inventory.Inventory.ReserveAsync(Reserve(orderId, ("TENT", 2)));

        var first = await _inventory.Inventory.ReleaseAsync(new ReleaseRequest { OrderId = orderId.ToString() });
        var second = await _inventory.Inventory.ReleaseAsync(new ReleaseRequest { OrderId = orderId.ToString() });

        Assert.Equal(ReleaseOutcome.Released, first.Outcome);
        Assert.Equal(ReleaseOutcome.AlreadyReleased, second.Outcome);
        Assert.Equal((5L, 0L, 0L), Levels((await _inventory.Inventory.GetStockAsync(Skus("TENT"))).Items[0]));
    }

    [Fact]
    public async Task A_release_before_the_reserve_makes_the_reserve_fail_with_FailedPrecondition()
    {
        var orderId = Guid.NewGuid();

        var release = await _inventory.Inventory.ReleaseAsync(new ReleaseRequest { OrderId = orderId.ToString() });
        var error = await Assert.ThrowsAsync<RpcException>(() => _inventory.Inventory.ReserveAsync(Reserve(orderId, ("TENT", 1))).ResponseAsync);

        Assert.Equal(ReleaseOutcome.ReleasedBeforeReserve, release.Outcome);
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("already released", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal((5L, 0L, 0L), Levels((await _inventory.Inventory.GetStockAsync(Skus("TENT"))).Items[0]));
    }

    [Fact]
    public async Task Release_with_a_bad_order_id_is_InvalidArgument_naming_order_id()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _inventory.Inventory.ReleaseAsync(new ReleaseRequest { OrderId = "42" }).ResponseAsync);

        AssertInvalidArgument(error, "order_id");
    }

    [Fact]
    public async Task The_REST_endpoint_still_speaks_HTTP_1_1()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/products/TENT") { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

        using var response = await _inventory.Rest.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version11, response.Version);
    }

    internal static GetStockRequest Skus(params string[] skus)
    {
        var request = new GetStockRequest();
        request.Skus.AddRange(skus);
        return request;
    }

    internal static ReserveRequest Reserve(Guid orderId, params (string Sku, int Quantity)[] lines)
    {
        var request = new ReserveRequest { OrderId = orderId.ToString() };
        request.Items.AddRange(lines.Select(line => new ReserveLine { Sku = line.Sku, Quantity = line.Quantity }));
        return request;
    }

    private static (long Available, long Reserved, long Committed) Levels(StockLevel level) => (level.Available, level.Reserved, level.Committed);

    private static void AssertInvalidArgument(RpcException error, string field)
    {
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith($"{field}: ", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(field, error.Trailers.GetValue("caravan-field"));
    }
}

public sealed class InventoryGrpcOnSqliteTests() : InventoryGrpcTests(ServiceStorage.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class InventoryGrpcOnPostgresTests(PostgresStorage storage) : InventoryGrpcTests(storage);
