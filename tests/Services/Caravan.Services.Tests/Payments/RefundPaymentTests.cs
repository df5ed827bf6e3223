using Caravan.Contracts;

namespace Caravan.Services.Tests.Payments;

public abstract class RefundPaymentTests(ServiceStorage storage)
{
    [Fact]
    public async Task Refund_AfterCharge_RefundsTheAmountOnceAndRepeatsItOnRepeat()
    {
        await using var bed = await PaymentsTestBed.StartAsync(storage: storage);
        var orderId = Guid.NewGuid();
        await bed.ChargeAsync(new ChargePayment(orderId, "key-refund", 42.10m, PaymentsTestBed.GoodCard));

        var first = await bed.RefundAsync(new RefundPayment(orderId, "key-refund"));
        var second = await bed.RefundAsync(new RefundPayment(orderId, "key-refund"));

        Assert.Equal(new PaymentRefunded(orderId, 42.10m), first);
        Assert.Equal(first, second);
        Assert.Equal(["Charge", "Refund"], await bed.QueryAsync<string>("SELECT kind FROM payment_ledger ORDER BY kind"));
        Assert.Equal("Refunded", Assert.Single(await bed.QueryAsync<string>("SELECT status FROM charges")));
    }

    [Fact]
    public async Task Charge_AfterRefund_IsDeclinedAsCancelledAndChargesNothingMore()
    {
        await using var bed = await PaymentsTestBed.StartAsync(storage: storage);
        var orderId = Guid.NewGuid();
        var charge = new ChargePayment(orderId, "key-late-repeat", 5m, PaymentsTestBed.GoodCard);
        await bed.ChargeAsync(charge);
        await bed.RefundAsync(new RefundPayment(orderId, "key-late-repeat"));

        var reply = await bed.ChargeAsync(charge);

        Assert.Equal(new PaymentDeclined(orderId, "payment was cancelled"), reply);
        Assert.Equal(2L, Assert.Single(await bed.QueryAsync<long>("SELECT COUNT(*) FROM payment_ledger")));
    }

    [Fact]
    public async Task Refund_BeforeCharge_LeavesATombstoneSoTheOvertakenChargeIsDeclined()
    {
        await using var bed = await PaymentsTestBed.StartAsync(storage: storage);
        var orderId = Guid.NewGuid();

        var refund = await bed.RefundAsync(new RefundPayment(orderId, "key-overtaken"));
        var charge = await bed.ChargeAsync(new ChargePayment(orderId, "key-overtaken", 99m, PaymentsTestBed.GoodCard));

        Assert.Equal(new PaymentRefunded(orderId, 0m), refund);
        Assert.Equal(new PaymentDeclined(orderId, "payment was cancelled"), charge);
        Assert.Empty(await bed.QueryAsync<string>("SELECT entry_id FROM payment_ledger"));
        var list = await (await bed.Client.GetAsync($"/api/v1/payments?orderId={orderId}")).ReadJsonAsync();
        var tombstone = Assert.Single(list.GetProperty("data").EnumerateArray());
        Assert.Equal("Voided", tombstone.GetProperty("status").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, tombstone.GetProperty("paymentId").ValueKind);
        Assert.Equal(0m, tombstone.GetProperty("amount").GetDecimal());
    }

    [Fact]
    public async Task Refund_AfterDecline_VoidsTheKeyAndRefundsNothing()
    {
        await using var bed = await PaymentsTestBed.StartAsync(storage: storage);
        var orderId = Guid.NewGuid();
        await bed.ChargeAsync(new ChargePayment(orderId, "key-void", 8m, "invalid"));

        var first = await bed.RefundAsync(new RefundPayment(orderId, "key-void"));
        var second = await bed.RefundAsync(new RefundPayment(orderId, "key-void"));
        var charge = await bed.ChargeAsync(new ChargePayment(orderId, "key-void", 8m, PaymentsTestBed.GoodCard));

        Assert.Equal(new PaymentRefunded(orderId, 0m), first);
        Assert.Equal(first, second);
        Assert.Equal(new PaymentDeclined(orderId, "payment was cancelled"), charge);
        Assert.Equal("Voided", Assert.Single(await bed.QueryAsync<string>("SELECT status FROM charges")));
        Assert.Empty(await bed.QueryAsync<string>("SELECT entry_id FROM payment_ledger"));
    }
}

public sealed class RefundPaymentOnSqliteTests() : RefundPaymentTests(ServiceStorage.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class RefundPaymentOnPostgresTests(PostgresStorage storage) : RefundPaymentTests(storage);
