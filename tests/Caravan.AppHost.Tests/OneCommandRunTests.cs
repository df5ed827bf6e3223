using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Caravan.AppHost.Tests.Infrastructure;

namespace Caravan.AppHost.Tests;

/// <summary>
/// The one-command run, for real: the app host starts every service and the gateway as processes in a
/// temporary data directory, the gateway answers on its port, and a service killed with SIGKILL comes back.
/// </summary>
public sealed class OneCommandRunTests(OneCommandRunFixture fixture) : IClassFixture<OneCommandRunFixture>
{
    private static readonly TimeSpan s_restartTimeout = TimeSpan.FromSeconds(90);

    private CaravanAppHost Host => fixture.Host;

    [Fact]
    public async Task Gateway_HealthReady_Answers200()
    {
        using var client = Host.CreateGatewayClient();

        using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Products_ThroughTheGateway_ListTheSeededDemoProducts()
    {
        using var client = Host.CreateGatewayClient();

        using var response = await client.GetAsync(new Uri("/api/v1/products", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadFromJsonAsync<JsonElement>();
        var products = page.GetProperty("data").EnumerateArray().ToArray();
        Assert.NotEmpty(products);
        Assert.All(products, product => Assert.False(string.IsNullOrWhiteSpace(product.GetProperty("sku").GetString())));
    }

    [Fact]
    public async Task Users_ListAUsersOrders_ByCallingOrdersThroughServiceDiscovery()
    {
        using var client = Host.CreateGatewayClient();
        using var created = await client.PostAsJsonAsync(
            new Uri("/api/v1/users", UriKind.Relative), new { name = "Ada", email = $"ada-{Guid.NewGuid():N}@example.com" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var userId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        // Users answers this by asking Orders at http://orders (503 if it cannot reach it).
        using var response = await client.GetAsync(new Uri($"/api/v1/users/{userId}/orders", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Empty(page.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public void Resources_GetTheDataDirectory_TheirSettings_AndEachOthersAddresses()
    {
        foreach (var service in CaravanAppHost.Services)
        {
            Assert.Equal(Host.DataDirectory.Path, Environment(service, "Caravan__DataDirectory"));
        }

        Assert.Equal("true", Environment("inventory", "Caravan__Inventory__SeedDemoProducts"));
        Assert.Equal("0", Environment("payments", "Caravan__Payments__TransientFailureRate"));
        Assert.Equal("00:00:00", Environment("payments", "Caravan__Payments__Latency"));
        Assert.StartsWith("http://", Environment("users", "services__orders__http__0"), StringComparison.Ordinal);
        foreach (var service in CaravanAppHost.Services)
        {
            Assert.StartsWith("http://", Environment(CaravanAppHost.Gateway, $"services__{service}__http__0"), StringComparison.Ordinal);
        }

        // The services really use it: the shared broker and their own databases are there.
        Assert.True(File.Exists(Path.Combine(Host.DataDirectory.Path, "broker.db")));
        Assert.True(File.Exists(Path.Combine(Host.DataDirectory.Path, "inventory.db")));
    }

    [Fact]
    public void Services_ListenThemselvesOnTheAddressesCallersAreGiven()
    {
        // No proxy in between: a service restarted after a crash binds the same port, where callers look.
        foreach (var service in CaravanAppHost.Services)
        {
            var address = new Uri(Environment(CaravanAppHost.Gateway, $"services__{service}__http__0")!);
            var pid = Host.ServicePid(service) ?? throw new InvalidOperationException($"{service} has no running process.");

            Assert.Contains(address.Port, ServiceProcesses.ListeningPorts(pid));
        }
    }

    [Fact]
    public async Task KilledService_IsRestartedByTheAppHost()
    {
        var killed = await Host.KillServiceAsync("payments", s_restartTimeout);
        Assert.False(ServiceProcesses.IsAlive(killed));

        var restarted = await Host.WaitForServicePidAsync("payments", s_restartTimeout, notPid: killed);
        await Host.WaitForReadyAsync("payments", s_restartTimeout);

        Assert.NotEqual(killed, restarted);
        Assert.True(ServiceProcesses.IsAlive(restarted));
        using var gateway = Host.CreateGatewayClient();
        using var response = await gateway.GetAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private string? Environment(string resource, string variable) =>
        Host.Snapshot(resource).EnvironmentVariables.FirstOrDefault(environment => environment.Name == variable)?.Value;
}
