using System.Diagnostics;
using Caravan.Contracts;
using Caravan.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Caravan.Services.Tests.Payments;

public sealed class ProviderFaultTests
{
    /// <summary>The event id PaymentsLog gives a simulated outage.</summary>
    private const int SimulatedOutageEventId = 4006;

    [Fact]
    public async Task Charge_ProviderAlwaysDown_IsRetriedThenDeadLetteredAndChargesNothing()
    {
        var logs = new CapturedLogs();
        await using var bed = await PaymentsTestBed.StartAsync(builder =>
        {
            builder.Configuration["Caravan:Payments:TransientFailureRate"] = "1";
            builder.Logging.AddProvider(logs);
            builder.Services.Configure<MessagingOptions>(options => options.Retry = new RetryPolicy
            {
                ImmediateRetries = 1,
                DelayedRetries = 1,
                BaseDelay = TimeSpan.FromMilliseconds(10),
            });
        });
        var orderId = Guid.NewGuid();

        await bed.Probe.SendAsync(new ChargePayment(orderId, "key-outage", 10m, PaymentsTestBed.GoodCard));

        var deadLetters = bed.Host.Services.GetRequiredService<IDeadLetterQueue>();
        var query = new DeadLetterQuery { Queue = "payments" };
        await Eventually.HoldsAsync(async () => await deadLetters.CountAsync(query) == 1, "the charge is dead-lettered");
        var deadLetter = Assert.Single(await deadLetters.ListAsync(query));
        Assert.Equal(DeadLetterReason.RetriesExhausted, deadLetter.Failure.Reason);
        Assert.Equal("Caravan.Payments.Provider.ProviderOutageException", deadLetter.Failure.ExceptionType);
        Assert.Equal(4, deadLetter.Failure.Attempts);
        Assert.Equal(4, logs.Count(SimulatedOutageEventId));
        Assert.Empty(bed.RepliesFor(orderId));
        Assert.Empty(await bed.QueryAsync<string>("SELECT idempotency_key FROM charges"));
        Assert.Empty(await bed.QueryAsync<string>("SELECT entry_id FROM payment_ledger"));
    }

    [Fact]
    public async Task Charges_ProviderDownHalfTheTime_AllEndChargedExactlyOnce()
    {
        const int count = 20;
        var logs = new CapturedLogs();
        await using var bed = await PaymentsTestBed.StartAsync(builder =>
        {
            builder.Configuration["Caravan:Payments:TransientFailureRate"] = "0.5";
            builder.Logging.AddProvider(logs);

            // 6 × 4 = 24 attempts: the chance that one charge fails them all is 0.5^24.
            builder.Services.Configure<MessagingOptions>(options => options.Retry = new RetryPolicy
            {
                ImmediateRetries = 5,
                DelayedRetries = 3,
                BaseDelay = TimeSpan.FromMilliseconds(10),
            });
        });
        var orders = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToList();

        foreach (var (orderId, i) in orders.Select((orderId, i) => (orderId, i)))
        {
            await bed.Probe.SendAsync(new ChargePayment(orderId, $"key-{i}", 1m + i, PaymentsTestBed.GoodCard));
        }

        await Eventually.HoldsAsync(
            () => bed.Probe.Received.OfType<PaymentCharged>().Count() == count, "every charge is answered", TimeSpan.FromSeconds(60));
        Assert.All(orders, orderId => Assert.IsType<PaymentCharged>(Assert.Single(bed.RepliesFor(orderId))));
        Assert.True(logs.Count(SimulatedOutageEventId) > 0, "Some attempts should have met a simulated outage.");
        var keys = await bed.QueryAsync<string>("SELECT idempotency_key FROM payment_ledger WHERE kind = 'Charge'");
        Assert.Equal(count, keys.Count);
        Assert.Equal(count, keys.Distinct().Count());
        var summary = await (await bed.Client.GetAsync("/api/v1/payments/summary")).ReadJsonAsync();
        Assert.Equal(Enumerable.Range(0, count).Sum(i => 1m + i), summary.GetProperty("charged").GetDecimal());
        Assert.Equal(0, await bed.Host.Services.GetRequiredService<IDeadLetterQueue>().CountAsync(DeadLetterQuery.All));
    }

    [Fact]
    public async Task Charge_WithProviderLatency_IsAnsweredNoSoonerThanTheLatency()
    {
        var latency = TimeSpan.FromMilliseconds(400);
        await using var bed = await PaymentsTestBed.StartAsync(builder =>
            builder.Configuration["Caravan:Payments:Latency"] = latency.ToString());
        var stopwatch = Stopwatch.StartNew();

        var reply = await bed.ChargeAsync(new ChargePayment(Guid.NewGuid(), "key-slow", 1m, PaymentsTestBed.GoodCard));

        Assert.IsType<PaymentCharged>(reply);
        Assert.True(stopwatch.Elapsed >= latency, $"Answered after {stopwatch.Elapsed}, before the {latency} latency.");
    }
}
