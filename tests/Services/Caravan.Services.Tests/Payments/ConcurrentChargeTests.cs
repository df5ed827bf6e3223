using Caravan.Contracts;

namespace Caravan.Services.Tests.Payments;

/// <summary>
/// Two Payments instances on one database, as competing consumers of its queue: the same charge or
/// refund handled by both at once takes or gives back money once, on either engine.
/// </summary>
public abstract class ConcurrentChargeTests(ServiceStorage storage)
{
    private const int Copies = 8;

    [Fact]
    public async Task ChargeThenRefund_OneKeySentManyTimesToTwoInstances_ChargesOnceAndRefundsOnce()
    {
        await using var bed = await PaymentsTestBed.StartAsync(storage: storage);
        await using var secondInstance = await PaymentsTestBed.StartHostAsync(bed.DataDirectory, storage: storage);
        var orderId = Guid.NewGuid();

        await SendCopiesAsync(bed, new ChargePayment(orderId, "key-race", 30m, PaymentsTestBed.GoodCard));
        await Eventually.HoldsAsync(() => bed.RepliesFor(orderId).Count >= Copies, "every charge is answered");
        var charges = bed.RepliesFor(orderId).Select(reply => Assert.IsType<PaymentCharged>(reply)).ToList();
        Assert.Equal(Copies, charges.Count);
        Assert.Single(charges.Select(charge => charge.PaymentId).Distinct());

        await SendCopiesAsync(bed, new RefundPayment(orderId, "key-race"));
        await Eventually.HoldsAsync(() => bed.RepliesFor(orderId).Count >= 2 * Copies, "every refund is answered");
        var refunds = bed.RepliesFor(orderId).Skip(Copies).Select(reply => Assert.IsType<PaymentRefunded>(reply)).ToList();
        Assert.Equal(Copies, refunds.Count);
        Assert.All(refunds, refund => Assert.Equal(30m, refund.Amount));
        Assert.Equal(["Charge", "Refund"], await bed.QueryAsync<string>("SELECT kind FROM payment_ledger ORDER BY kind"));
        Assert.Equal("Refunded", Assert.Single(await bed.QueryAsync<string>("SELECT status FROM charges")));
    }

    [Fact]
    public async Task ChargesAndRefundsOfOneKeyRacingOnTwoInstances_NeverLeaveMoneyTaken()
    {
        await using var bed = await PaymentsTestBed.StartAsync(storage: storage);
        await using var secondInstance = await PaymentsTestBed.StartHostAsync(bed.DataDirectory, storage: storage);
        var orderId = Guid.NewGuid();

        await Task.WhenAll(
            SendCopiesAsync(bed, new ChargePayment(orderId, "key-mixed", 12m, PaymentsTestBed.GoodCard)),
            SendCopiesAsync(bed, new RefundPayment(orderId, "key-mixed")));
        await Eventually.HoldsAsync(() => bed.RepliesFor(orderId).Count >= 2 * Copies, "every command is answered");

        // Whichever came first, a refund followed: the key is voided (never charged) or charged and refunded once.
        var ledger = await bed.QueryAsync<string>("SELECT kind FROM payment_ledger ORDER BY kind");
        Assert.True(ledger.Count == 0 || ledger.SequenceEqual(["Charge", "Refund"]), string.Join(", ", ledger));
        var summary = await (await bed.Client.GetAsync("/api/v1/payments/summary")).ReadJsonAsync();
        Assert.Equal(0m, summary.GetProperty("net").GetDecimal());
        Assert.Single(bed.RepliesFor(orderId).OfType<PaymentCharged>().Select(charged => charged.PaymentId).Distinct().DefaultIfEmpty());
    }

    private static Task<Guid[]> SendCopiesAsync<T>(PaymentsTestBed bed, T command)
        where T : notnull =>
        Task.WhenAll(Enumerable.Range(0, Copies).Select(_ => bed.Probe.SendAsync(command)));
}

public sealed class ConcurrentChargeOnSqliteTests() : ConcurrentChargeTests(ServiceStorage.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class ConcurrentChargeOnPostgresTests(PostgresStorage storage) : ConcurrentChargeTests(storage);
