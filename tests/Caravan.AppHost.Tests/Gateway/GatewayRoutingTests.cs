using System.Net;
using System.Text.Json;
using Caravan.Gateway;

namespace Caravan.AppHost.Tests.Gateway;

/// <summary>What the gateway forwards where, and what a caller gets when the service is not there.</summary>
public sealed class GatewayRoutingTests : IAsyncLifetime
{
    private static readonly string[] s_services = ["users", "orders", "inventory", "payments", "shipping", "notifications"];

    private StandInServices? _services;
    private GatewayHost? _gateway;

    public async Task InitializeAsync()
    {
        _services = await StandInServices.StartAsync(s_services);
        _gateway = await GatewayHost.StartAsync(_services.Addresses);
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("/api/v1/users", "users")]
    [InlineData("/api/v1/users/0190f3c2-7a1b-7c3d-9e4f-5a6b7c8d9e0f/orders?page=2", "users")]
    [InlineData("/api/v1/orders", "orders")]
    [InlineData("/api/v1/orders/42/cancel", "orders")]
    [InlineData("/api/v1/sagas?status=Stuck", "orders")]
    [InlineData("/api/v1/products?limit=5", "inventory")]
    [InlineData("/api/v1/products/TENT-2P", "inventory")]
    [InlineData("/api/v1/reservations/r-1", "inventory")]
    [InlineData("/api/v1/payments", "payments")]
    [InlineData("/api/v1/shipments/s-1", "shipping")]
    [InlineData("/api/v1/notifications?orderId=7", "notifications")]
    public async Task PublicRoute_IsForwardedUnchanged_ToItsService(string pathAndQuery, string service)
    {
        using var client = _gateway!.CreateClient();

        using var response = await client.GetAsync(new Uri(pathAndQuery, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{service} {pathAndQuery}", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/api/v1/usersx")]
    [InlineData("/api/v2/orders")]
    [InlineData("/orders")]
    public async Task UnknownPath_IsNotForwarded_AndGets404Problem(string path)
    {
        using var client = _gateway!.CreateClient();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public void Routes_CoverEveryService()
    {
        Assert.Equal(s_services.Order(), CaravanGateway.Routes.Select(route => route.Service).Distinct().Order());
    }

    [Fact]
    public async Task ServiceDown_Gets502Problem()
    {
        // A port nobody listens on: the connection is refused, as when a service process has died.
        var nowhere = new Uri($"http://127.0.0.1:{Infrastructure.FreePort.Next()}");
        await using var gateway = await GatewayHost.StartAsync(s_services.ToDictionary(service => service, _ => nowhere));
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync(new Uri("/api/v1/payments/p-1", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize<JsonElement>(await response.Content.ReadAsStringAsync());
        Assert.Equal(502, problem.GetProperty("status").GetInt32());
        Assert.Equal("/api/v1/payments/p-1", problem.GetProperty("instance").GetString());
    }
}
