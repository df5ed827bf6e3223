using System.Net;
using Caravan.Contracts;

namespace Caravan.Services.Tests.Payments;

public abstract class PaymentsApiTests(ServiceStorage storage)
{
    [Fact]
    public async Task List_FiltersByOrderAndStatus_AndPaginatesNewestFirst()
    {
        await using var bed = await PaymentsTestBed.StartAsync(storage: storage);
        var orderA = Guid.NewGuid();
        await bed.ChargeAsync(new ChargePayment(orderA, "a1", 1m, PaymentsTestBed.GoodCard));
        await bed.ChargeAsync(new ChargePayment(Guid.NewGuid(), "b1", 2m, PaymentsTestBed.GoodCard));
        await bed.ChargeAsync(new ChargePayment(Guid.NewGuid(), "c1", 3m, "invalid"));

        var page1 = await (await bed.Client.GetAsync("/api/v1/payments?page=1&limit=2")).ReadJsonAsync();
        var page2 = await (await bed.Client.GetAsync("/api/v1/payments?page=2&limit=2")).ReadJsonAsync();
        var byOrder = await (await bed.Client.GetAsync($"/api/v1/payments?orderId={orderA}")).ReadJsonAsync();
        var declined = await (await bed.Client.GetAsync("/api/v1/payments?status=declined")).ReadJsonAsync();

        Assert.Equal(["c1", "b1"], page1.GetProperty("data").EnumerateArray().Select(p => p.GetProperty("idempotencyKey").GetString()));
        Assert.Equal(["a1"], page2.GetProperty("data").EnumerateArray().Select(p => p.GetProperty("idempotencyKey").GetString()));
        var pagination = page1.GetProperty("pagination");
        Assert.Equal(3, pagination.GetProperty("total").GetInt32());
        Assert.Equal(2, pagination.GetProperty("pages").GetInt32());
        Assert.Equal(2, pagination.GetProperty("limit").GetInt32());
        Assert.Equal(orderA, Assert.Single(byOrder.GetProperty("data").EnumerateArray()).GetProperty("orderId").GetGuid());
        var decline = Assert.Single(declined.GetProperty("data").EnumerateArray());
        Assert.Equal("card declined", decline.GetProperty("reason").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, decline.GetProperty("cardLast4").ValueKind);
    }

    [Fact]
    public async Task Ledger_ListsMovementsOfTheOrder()
    {
        await using var bed = await PaymentsTestBed.StartAsync(storage: storage);
        var orderId = Guid.NewGuid();
        await bed.ChargeAsync(new ChargePayment(orderId, "k", 6m, PaymentsTestBed.GoodCard));
        await bed.RefundAsync(new RefundPayment(orderId, "k"));
        await bed.ChargeAsync(new ChargePayment(Guid.NewGuid(), "other", 1m, PaymentsTestBed.GoodCard));

        var ledger = await (await bed.Client.GetAsync($"/api/v1/payments/ledger?orderId={orderId}&limit=10")).ReadJsonAsync();

        var entries = ledger.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(["Charge", "Refund"], entries.Select(e => e.GetProperty("kind").GetString()).Order());
        Assert.All(entries, e => Assert.Equal(6.00m, e.GetProperty("amount").GetDecimal()));
        Assert.Equal(2, ledger.GetProperty("pagination").GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData("/api/v1/payments/0196a3c4-0000-7000-8000-000000000000")]
    [InlineData("/api/v1/payments/not-a-guid")]
    public async Task Get_UnknownPayment_Is404Problem(string path)
    {
        await using var bed = await PaymentsTestBed.StartAsync(storage: storage);

        var response = await bed.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/api/v1/payments?orderId=nope", "orderId")]
    [InlineData("/api/v1/payments?status=Lost", "status")]
    [InlineData("/api/v1/payments?page=0", "page")]
    [InlineData("/api/v1/payments?limit=101", "limit")]
    [InlineData("/api/v1/payments?limit=ten", "limit")]
    [InlineData("/api/v1/payments/ledger?orderId=123", "orderId")]
    [InlineData("/api/v1/payments/ledger?page=x", "page")]
    public async Task List_InvalidQueryValue_Is400NamingTheField(string path, string field)
    {
        await using var bed = await PaymentsTestBed.StartAsync(storage: storage);

        var response = await bed.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty(field, out _), $"The problem should name '{field}'.");
    }
}

public sealed class PaymentsApiOnSqliteTests() : PaymentsApiTests(ServiceStorage.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class PaymentsApiOnPostgresTests(PostgresStorage storage) : PaymentsApiTests(storage);
