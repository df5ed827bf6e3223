using Caravan.Contracts;
using Caravan.Messaging;
using Caravan.Shipping;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Caravan.Services.Tests.Shipping;

/// <summary>The shipping service on a fresh broker, with a probe that sends it commands and records its replies.</summary>
internal sealed class ShippingTestBed : IAsyncDisposable
{
    public static readonly Address Home = new("1 Main Street", "Springfield", "12345", "US");

    public static readonly IReadOnlyList<OrderLine> Items = [new("SKU-1", 2), new("SKU-2", 1)];

    private readonly TestDirectory _directory;

    private ShippingTestBed(TestDirectory directory, ServiceHost host, MessagingProbe probe)
    {
        _directory = directory;
        Host = host;
        Probe = probe;
    }

    public ServiceHost Host { get; }

    public MessagingProbe Probe { get; }

    public HttpClient Client => Host.Client;

    public static async Task<ShippingTestBed> StartAsync()
    {
        var directory = new TestDirectory();
        var host = await ServiceHost.StartAsync(directory.Path, builder => builder.AddShippingService(), app => app.MapShippingEndpoints());
        var probe = await MessagingProbe.StartAsync(
            directory.Path, "shipping-probe", typeof(ShipmentCreated), typeof(ShipmentRejected), typeof(ShipmentCancelled));
        return new ShippingTestBed(directory, host, probe);
    }

    /// <summary>Sends a create and waits for its reply (created or rejected).</summary>
    public async Task<object> CreateAsync(CreateShipment command)
    {
        var before = RepliesFor(command.OrderId).Count;
        await Probe.SendAsync(command);
        var reply = await WaitForReplyAsync(command.OrderId, before + 1);
        Assert.True(reply is ShipmentCreated or ShipmentRejected, $"Unexpected reply {reply}.");
        return reply;
    }

    public async Task<ShipmentCancelled> CancelAsync(Guid orderId)
    {
        var before = RepliesFor(orderId).Count;
        await Probe.SendAsync(new CancelShipment(orderId));
        return Assert.IsType<ShipmentCancelled>(await WaitForReplyAsync(orderId, before + 1));
    }

    public IReadOnlyList<object> RepliesFor(Guid orderId) =>
        [.. Probe.Received.Where(message => message switch
        {
            ShipmentCreated created => created.OrderId == orderId,
            ShipmentRejected rejected => rejected.OrderId == orderId,
            ShipmentCancelled cancelled => cancelled.OrderId == orderId,
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

    private async Task<object> WaitForReplyAsync(Guid orderId, int count)
    {
        await Eventually.HoldsAsync(() => RepliesFor(orderId).Count >= count, $"reply {count} about order {orderId} arrives");
        return RepliesFor(orderId)[count - 1];
    }
}
