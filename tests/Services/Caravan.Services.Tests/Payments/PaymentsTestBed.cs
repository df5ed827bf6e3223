using Caravan.Contracts;
using Caravan.Messaging;
using Caravan.Payments;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Caravan.Services.Tests.Payments;

/// <summary>The payments service on a fresh broker, with a probe that sends it commands and records its replies.</summary>
internal sealed class PaymentsTestBed : IAsyncDisposable
{
    public const string GoodCard = "4242 4242 4242 4242";

    private readonly TestDirectory _directory;

    private PaymentsTestBed(TestDirectory directory, ServiceHost host, MessagingProbe probe)
    {
        _directory = directory;
        Host = host;
        Probe = probe;
    }

    public ServiceHost Host { get; }

    public MessagingProbe Probe { get; }

    public HttpClient Client => Host.Client;

    /// <summary>Where the broker and the service's SQLite files live.</summary>
    public string DataDirectory => _directory.Path;

    public static async Task<PaymentsTestBed> StartAsync(Action<WebApplicationBuilder>? configure = null)
    {
        var directory = new TestDirectory();
        var host = await ServiceHost.StartAsync(directory.Path, builder => builder.AddPaymentsService(), app => app.MapPaymentsEndpoints(), configure);
        var probe = await MessagingProbe.StartAsync(
            directory.Path, "payments-probe", typeof(PaymentCharged), typeof(PaymentDeclined), typeof(PaymentRefunded));
        return new PaymentsTestBed(directory, host, probe);
    }

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

    /// <summary>Runs a query on the service's own database (read-only use).</summary>
    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = await Host.Services.GetRequiredService<IServiceDatabase>().OpenConnectionAsync();
        return [.. await connection.QueryAsync<T>(sql, parameters)];
    }

    public async ValueTask DisposeAsync()
    {
        await Probe.DisposeAsync();
        await Host.DisposeAsync();
        _directory.Dispose();
    }

    private async Task<object> WaitForReplyAsync(Guid orderId, int count, Func<object, bool> isReply)
    {
        await Eventually.HoldsAsync(() => RepliesFor(orderId).Count >= count, $"reply {count} about order {orderId} arrives");
        var reply = RepliesFor(orderId)[count - 1];
        Assert.True(isReply(reply), $"Unexpected reply {reply}.");
        return reply;
    }
}
