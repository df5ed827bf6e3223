using Caravan.Contracts;
using Caravan.Payments;
using Microsoft.AspNetCore.Builder;

namespace Caravan.Services.Tests.Payments;

/// <summary>The payments service on a fresh broker, with a probe that sends it commands and records its replies.</summary>
internal sealed class PaymentsTestBed : ServiceTestBed
{
    public const string GoodCard = "4242 4242 4242 4242";

    private PaymentsTestBed(TestDirectory directory, ServiceHost host, MessagingProbe probe)
        : base(directory, host, probe)
    {
    }

    public static async Task<PaymentsTestBed> StartAsync(Action<WebApplicationBuilder>? configure = null, ServiceStorage? storage = null)
    {
        var (directory, host, probe) = await StartPartsAsync(
            path => StartHostAsync(path, configure, storage),
            "payments-probe",
            typeof(PaymentCharged),
            typeof(PaymentDeclined),
            typeof(PaymentRefunded));
        return new PaymentsTestBed(directory, host, probe);
    }

    /// <summary>Starts a Payments host on <paramref name="dataDirectory"/> (another one may already run there).</summary>
    public static Task<ServiceHost> StartHostAsync(string dataDirectory, Action<WebApplicationBuilder>? configure = null, ServiceStorage? storage = null) =>
        ServiceHost.StartAsync(dataDirectory, builder => builder.AddPaymentsService(), app => app.MapPaymentsEndpoints(), configure, storage);

    /// <summary>Sends a charge and waits for its reply (the n-th reply about that order, so repeats can be awaited too).</summary>
    public async Task<object> ChargeAsync(ChargePayment command)
    {
        var before = RepliesFor(command.OrderId).Count;
        await Probe.SendAsync(command);
        return await WaitForReplyAsync(command.OrderId, before + 1, type => type is PaymentCharged or PaymentDeclined);
    }

    public async Task<PaymentRefunded> RefundAsync(RefundPayment command)
    {
        var before = RepliesFor(command.OrderId).Count;
        await Probe.SendAsync(command);
        return (PaymentRefunded)await WaitForReplyAsync(command.OrderId, before + 1, type => type is PaymentRefunded);
    }

    public IReadOnlyList<object> RepliesFor(Guid orderId) =>
        [.. Probe.Received.Where(message => message switch
        {
            PaymentCharged charged => charged.OrderId == orderId,
            PaymentDeclined declined => declined.OrderId == orderId,
            PaymentRefunded refunded => refunded.OrderId == orderId,
            _ => false,
        })];

    private async Task<object> WaitForReplyAsync(Guid orderId, int count, Func<object, bool> isReply)
    {
        var reply = await WaitForReplyAsync(() => RepliesFor(orderId), count, $"order {orderId}");
        Assert.True(isReply(reply), $"Unexpected reply {reply}.");
        return reply;
    }
}
