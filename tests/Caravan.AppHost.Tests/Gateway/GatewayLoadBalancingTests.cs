using System.Net;
using Caravan.AppHost.Tests.Infrastructure;

namespace Caravan.AppHost.Tests.Gateway;

/// <summary>
/// A service with two instances (two service-discovery entries): the gateway spreads traffic over both,
/// and once one is stopped its failed health probes take it out, so traffic goes on to the live one.
/// </summary>
public sealed class GatewayLoadBalancingTests
{
    private static readonly Uri s_orders = new("/api/v1/orders", UriKind.Relative);

    [Fact]
    public async Task TwoInstances_BothGetTraffic_AndAStoppedOneStopsGettingIt()
    {
        var first = await StandInServices.StartAsync(["orders"]);
        await using var second = await StandInServices.StartAsync(["orders"]);
        try
        {
            await using var gateway = await GatewayHost.StartAsync(
                new Dictionary<string, IReadOnlyList<Uri>> { ["orders"] = [first.Addresses["orders"], second.Addresses["orders"]] },
                new Dictionary<string, string?> { ["Caravan:Gateway:HealthChecks:Interval"] = "00:00:00.200" });
            using var client = gateway.CreateClient();
            var live = "orders@" + second.Ports["orders"];
            var dead = "orders@" + first.Ports["orders"];

            var seen = new HashSet<string>();
            await Eventually.HoldsAsync("both instances to get requests", TimeSpan.FromSeconds(30), async token =>
            {
                using var response = await client.GetAsync(s_orders, token);
                seen.Add(Assert.Single(response.Headers.GetValues(StandInServices.InstanceHeader)));
                return seen.SetEquals([live, dead]);
            });

            await first.DisposeAsync();

            // Until the probes notice, a request may still be sent to the stopped instance (and get 503);
            // after that, every request goes to the live one.
            await Eventually.HoldsAsync("20 requests in a row to reach the live instance", TimeSpan.FromSeconds(30), async token =>
            {
                for (var i = 0; i < 20; i++)
                {
                    using var response = await client.GetAsync(s_orders, token);
                    if (response.StatusCode != HttpStatusCode.OK
                        || Assert.Single(response.Headers.GetValues(StandInServices.InstanceHeader)) != live)
                    {
                        return false;
                    }
                }

                return true;
            });
        }
        finally
        {
            await first.DisposeAsync();
        }
    }
}
