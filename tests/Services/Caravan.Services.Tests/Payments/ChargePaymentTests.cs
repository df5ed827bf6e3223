using System.Net;
using System.Text;
using Caravan.Contracts;

namespace Caravan.Services.Tests.Payments;

public abstract class ChargePaymentTests(ServiceStorage storage)
{
    [Fact]
    public async Task Charge_NewKey_RepliesChargedAndRecordsTheChargeWithOneLedgerEntry()
    {
        await using var bed = await PaymentsTestBed.StartAsync(storage: storage);
        var orderId = Guid.NewGuid();

        var reply = await bed.ChargeAsync(new ChargePayment(orderId, "key-1", 12.5m, PaymentsTestBed.GoodCard));

        var charged = Assert.IsType<PaymentCharged>(reply);
        Assert.Equal(orderId, charged.OrderId);
        Assert.Equal(12.50m, charged.Amount);
        Assert.NotEqual(Guid.Empty, charged.PaymentId);

        var payment = await (await bed.Client.GetAsync($"/api/v1/payments/{charged.PaymentId}")).ReadJsonAsync();
        Assert.Equal(charged.PaymentId, payment.GetProperty("paymentId").GetGuid());
        Assert.Equal(orderId, payment.GetProperty("orderId").GetGuid());
        Assert.Equal("key-1", payment.GetProperty("idempotencyKey").GetString());
        Assert.Equal(12.50m, payment.GetProperty("amount").GetDecimal());
        Assert.Equal("12.50", payment.GetProperty("amount").GetRawText());
        Assert.Equal("Charged", payment.GetProperty("status").GetString());
        Assert.Equal("4242", payment.GetProperty("cardLast4").GetString());

        var ledger = await (await bed.Client.GetAsync($"/api/v1/payments/ledger?orderId={orderId}")).ReadJsonAsync();
        var entry = Assert.Single(ledger.GetProperty("data").EnumerateArray());
        Assert.Equal("Charge", entry.GetProperty("kind").GetString());
        Assert.Equal(12.50m, entry.GetProperty("amount").GetDecimal());
        Assert.Equal("key-1", entry.GetProperty("idempotencyKey").GetString());
    }

    [Fact]
    public async Task Charge_NeverStoresTheFullCardNumber()
    {
        await using var bed = await PaymentsTestBed.StartAsync(storage: storage);
        const string card = "5555444433331111";

        await bed.ChargeAsync(new ChargePayment(Guid.NewGuid(), "key-card", 3m, card));

        var stored = await bed.QueryAsync<string?>("SELECT card_last4 FROM charges");
        Assert.Equal("1111", Assert.Single(stored));
        foreach (var file in Directory.GetFiles(bed.DataDirectory, "payments.db*"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.Latin1);
            Assert.DoesNotContain(card, await reader.ReadToEndAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Charge_SameKeyWithNewMessageId_RepliesTheSamePaymentAndChargesOnce()
    {
        await using var bed = await PaymentsTestBed.StartAsync(storage: storage);
        var orderId = Guid.NewGuid();
        var command = new ChargePayment(orderId, "key-repeat", 20m, PaymentsTestBed.GoodCard);

        var first = Assert.IsType<PaymentCharged>(await bed.ChargeAsync(command));
        var second = Assert.IsType<PaymentCharged>(await bed.ChargeAsync(command));

        Assert.Equal(first, second);
        Assert.Equal(1L, Assert.Single(await bed.QueryAsync<long>("SELECT COUNT(*) FROM payment_ledger")));
        Assert.Equal(1L, Assert.Single(await bed.QueryAsync<long>("SELECT COUNT(*) FROM charges")));
    }

    [Theory]
    [InlineData("invalid")]
    [InlineData("4000000000000002")]
    [InlineData("4000 0000 0000 0002")]
    public async Task Charge_DecliningCard_IsDeclinedRecordedAndDeclinedAgainOnRepeat(string card)
    {
        await using var bed = await PaymentsTestBed.StartAsync(storage: storage);
        var orderId = Guid.NewGuid();
        var command = new ChargePayment(orderId, "key-declined", 10m, card);

        var first = Assert.IsType<PaymentDeclined>(await bed.ChargeAsync(command));
        var second = Assert.IsType<PaymentDeclined>(await bed.ChargeAsync(command));

        Assert.Equal(new PaymentDeclined(orderId, "card declined"), first);
        Assert.Equal(first, second);
        Assert.Equal("Declined", Assert.Single(await bed.QueryAsync<string>("SELECT status FROM charges")));
        Assert.Empty(await bed.QueryAsync<string>("SELECT entry_id FROM payment_ledger"));
    }

    [Theory]
    [InlineData("0", "amount must be positive")]
    [InlineData("-5", "amount must be positive")]
    [InlineData("1.005", "amount must be a whole number of cents")]
    public async Task Charge_InvalidAmount_IsDeclinedWithTheReasonAndTakesNothing(string amount, string reason)
    {
        await using var bed = await PaymentsTestBed.StartAsync(storage: storage);
        var orderId = Guid.NewGuid();

        var reply = await bed.ChargeAsync(new ChargePayment(orderId, "key-amount", decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), PaymentsTestBed.GoodCard));

        Assert.Equal(new PaymentDeclined(orderId, reason), reply);
        Assert.Empty(await bed.QueryAsync<string>("SELECT entry_id FROM payment_ledger"));
    }

    [Fact]
    public async Task Charge_KeyOfAnotherOrder_IsDeclinedAndLeavesTheFirstChargeAlone()
    {
        await using var bed = await PaymentsTestBed.StartAsync(storage: storage);
        var first = Assert.IsType<PaymentCharged>(await bed.ChargeAsync(new ChargePayment(Guid.NewGuid(), "shared-key", 7m, PaymentsTestBed.GoodCard)));
        var otherOrder = Guid.NewGuid();

        var reply = await bed.ChargeAsync(new ChargePayment(otherOrder, "shared-key", 7m, PaymentsTestBed.GoodCard));

        Assert.Equal(new PaymentDeclined(otherOrder, "idempotency key was already used for another order"), reply);
        Assert.Equal(1L, Assert.Single(await bed.QueryAsync<long>("SELECT COUNT(*) FROM payment_ledger")));
        var payment = await bed.Client.GetAsync($"/api/v1/payments/{first.PaymentId}");
        Assert.Equal(HttpStatusCode.OK, payment.StatusCode);
        Assert.Equal(first.OrderId, (await payment.ReadJsonAsync()).GetProperty("orderId").GetGuid());
    }
}

public sealed class ChargePaymentOnSqliteTests() : ChargePaymentTests(ServiceStorage.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class ChargePaymentOnPostgresTests(PostgresStorage storage) : ChargePaymentTests(storage);
