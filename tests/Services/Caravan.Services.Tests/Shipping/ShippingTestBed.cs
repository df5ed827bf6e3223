using Caravan.Contracts;
using Caravan.Shipping;

namespace Caravan.Services.Tests.Shipping;

/// <summary>The shipping service on a fresh broker, with a probe that sends it commands and records its replies.</summary>
internal sealed class ShippingTestBed : ServiceTestBed
{
    public static readonly Address Home = new("1 Main Street", "Springfield", "12345", "US");

    public static readonly IReadOnlyList<OrderLine> Items = [new("SKU-1", 2), new("SKU-2", 1)];

    private ShippingTestBed(TestDirectory directory, ServiceHost host, MessagingProbe probe)
        : base(directory, host, probe)
    {
    }

    public static async Task<ShippingTestBed> StartAsync(ServiceStorage? storage = null)
    {
        var (directory, host, probe) = await StartPartsAsync(
            path => ServiceHost.StartAsync(path, builder => builder.AddShippingService(), app => app.MapShippingEndpoints(), storage: storage),
            "shipping-probe",
            typeof(ShipmentCreated),
            typeof(ShipmentRejected),
            typeof(ShipmentCancelled));
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

    private Task<object> WaitForReplyAsync(Guid orderId, int count) =>
        WaitForReplyAsync(() => RepliesFor(orderId), count, $"order {orderId}");
}
