using Caravan.Contracts;
using Caravan.Messaging;
using Dapper;
using System.Data.Common;
using Caravan.ServiceDefaults.Data;
using Microsoft.Extensions.DependencyInjection;

namespace Caravan.Services.Tests.Payments;

public abstract class LedgerTests(ServiceStorage storage)
{
    [Fact]
    public async Task Ledger_SecondEntryOfOneKindForOneKey_IsRejectedByTheDatabase()
    {
        await using var bed = await PaymentsTestBed.StartAsync(storage: storage);
        var orderId = Guid.NewGuid();
        await bed.ChargeAsync(new ChargePayment(orderId, "key-unique", 10m, PaymentsTestBed.GoodCard));

        // What a second process that missed the first charge would try: the UNIQUE constraint stops it.
        var database = bed.Host.Services.GetRequiredService<IServiceDatabase>();
        await using var transaction = await database.BeginTransactionAsync();
        var error = await Assert.ThrowsAnyAsync<DbException>(() => transaction.Connection.ExecuteAsync(
            """
            INSERT INTO payment_ledger (entry_id, idempotency_key, order_id, kind, amount_cents, at)
            VALUES (@entryId, 'key-unique', @orderId, 'Charge', 1000, '2030-01-01T00:00:00.0000000Z')
            """,
            new { entryId = Guid.NewGuid().ToString(), orderId = orderId.ToString() },
            transaction.Transaction));
        await transaction.RollbackAsync();

        Assert.True(SqlDialect.IsUniqueViolation(error), error.Message);
        Assert.Equal(1L, Assert.Single(await bed.QueryAsync<long>("SELECT COUNT(*) FROM payment_ledger")));
    }

    [Fact]
    public async Task Summary_ComputedFromTheLedger_ShowsChargedRefundedAndNet()
    {
        await using var bed = await PaymentsTestBed.StartAsync(storage: storage);
        var (a, b, c) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await bed.ChargeAsync(new ChargePayment(a, "a", 10.25m, PaymentsTestBed.GoodCard));
        await bed.ChargeAsync(new ChargePayment(b, "b", 4.75m, PaymentsTestBed.GoodCard));
        await bed.ChargeAsync(new ChargePayment(c, "c", 100m, "invalid"));
        await bed.RefundAsync(new RefundPayment(b, "b"));
        await bed.RefundAsync(new RefundPayment(b, "b"));

        var summary = await (await bed.Client.GetAsync("/api/v1/payments/summary")).ReadJsonAsync();

        Assert.Equal(15.00m, summary.GetProperty("charged").GetDecimal());
        Assert.Equal(4.75m, summary.GetProperty("refunded").GetDecimal());
        Assert.Equal(10.25m, summary.GetProperty("net").GetDecimal());
        Assert.Equal(2, summary.GetProperty("charges").GetInt32());
        Assert.Equal(1, summary.GetProperty("refunds").GetInt32());
    }

    [Fact]
    public async Task Summary_OfAnEmptyLedger_IsAllZero()
    {
        await using var bed = await PaymentsTestBed.StartAsync(storage: storage);

        var summary = await (await bed.Client.GetAsync("/api/v1/payments/summary")).ReadJsonAsync();

        Assert.Equal(0m, summary.GetProperty("charged").GetDecimal());
        Assert.Equal(0m, summary.GetProperty("net").GetDecimal());
        Assert.Equal(0, summary.GetProperty("charges").GetInt32());
        Assert.Equal(0, summary.GetProperty("refunds").GetInt32());
    }
}

public sealed class LedgerOnSqliteTests() : LedgerTests(ServiceStorage.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class LedgerOnPostgresTests(PostgresStorage storage) : LedgerTests(storage);
