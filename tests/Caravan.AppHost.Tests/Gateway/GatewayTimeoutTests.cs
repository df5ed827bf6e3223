using System.Net;
using Caravan.AppHost.Tests.Infrastructure;

namespace Caravan.AppHost.Tests.Gateway;

/// <summary>
/// The gateway never hangs on a service: one that does not answer within the route's timeout gives 504,
/// one that is not there gives 503 at once, and traffic flows again when it comes back.
/// </summary>
public sealed class GatewayTimeoutTests
{
    [Fact]
    public async Task SlowService_Gets504Problem_AfterTheRouteTimeout()
    {
        await using var services = await StandInServices.StartAsync(["orders", "inventory"]);
        await using var gateway = await GatewayHost.StartAsync(services.Addresses, new Dictionary<string, string?>
        {
            ["Caravan:Gateway:Timeouts:Routes:orders"] = "00:00:01",
            ["Caravan:Gateway:Timeouts:Default"] = "00:01:00",
        });
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync(new Uri("/api/v1/orders/hang", UriKind.Relative));

        var problem = await ProblemAssert.IsAsync(response, HttpStatusCode.GatewayTimeout, "GATEWAY_TIMEOUT");
        Assert.Equal("/api/v1/orders/hang", problem.GetProperty("instance").GetString());
    }

    [Fact]
    public async Task DeadService_Gets503Problem_AndTrafficFlowsAgainWhenItComesBack()
    {
        // A port nobody listens on yet: the connection is refused, as when a service process has died.
        var port = FreePort.Next();
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, Uri> { ["payments"] = new($"http://127.0.0.1:{port}") },
            new Dictionary<string, string?> { ["Caravan:Gateway:HealthChecks:Interval"] = "00:00:00.200" });
        using var client = gateway.CreateClient();

        using (var response = await client.GetAsync(new Uri("/api/v1/payments/p-1", UriKind.Relative)))
        {
            var problem = await ProblemAssert.IsAsync(response, HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
            Assert.Equal("/api/v1/payments/p-1", problem.GetProperty("instance").GetString());
        }

        await using var payments = await StandInServices.StartAsync(new Dictionary<string, int> { ["payments"] = port });

        await Eventually.HoldsAsync("the returned payments service to get traffic", TimeSpan.FromSeconds(30), async token =>
        {
            using var response = await client.GetAsync(new Uri("/api/v1/payments/p-1", UriKind.Relative), token);
            return response.StatusCode == HttpStatusCode.OK && await response.Content.ReadAsStringAsync(token) == "payments /api/v1/payments/p-1";
        });
    }
}
