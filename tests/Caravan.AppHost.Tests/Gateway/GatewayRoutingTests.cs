using System.Net;
using Caravan.Gateway;

namespace Caravan.AppHost.Tests.Gateway;

/// <summary>What the gateway forwards where, versioned and versionless, and what an unknown path gets.</summary>
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
        await AssertForwardedAsync(pathAndQuery, service);
    }

    [Theory]
    [InlineData("/api/v2/orders/42", "orders")]
    [InlineData("/api/v17/products/TENT-2P?limit=1", "inventory")]
    [InlineData("/api/v3/sagas", "orders")]
    public async Task AnyVersionNumber_IsForwarded_TheServiceDecidesWhichExist(string pathAndQuery, string service)
    {
        await AssertForwardedAsync(pathAndQuery, service);
    }

    [Theory]
    [InlineData("/api/orders", "orders")]
    [InlineData("/api/orders/42?api-version=2", "orders")]
    [InlineData("/api/users/u-1/orders", "users")]
    [InlineData("/api/products/TENT-2P", "inventory")]
    [InlineData("/api/reservations", "inventory")]
    [InlineData("/api/payments/p-1", "payments")]
    [InlineData("/api/shipments", "shipping")]
    [InlineData("/api/notifications", "notifications")]
    [InlineData("/api/sagas/s-1", "orders")]
    public async Task VersionlessPath_IsForwardedUnchanged_ToItsService(string pathAndQuery, string service)
    {
        await AssertForwardedAsync(pathAndQuery, service);
    }

    [Fact]
    public async Task VersionlessPath_KeepsTheApiVersionHeader()
    {
        using var client = _gateway!.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = new StringContent("{\"a\":1}") };
        request.Headers.Add("api-version", "2");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("orders@" + _services!.Ports["orders"], Assert.Single(response.Headers.GetValues(StandInServices.InstanceHeader)));
        Assert.Equal("2", Assert.Single(response.Headers.GetValues(StandInServices.ApiVersionSeenHeader)));
    }

    [Theory]
    [InlineData("/api/v1/usersx")]
    [InlineData("/api/vx/orders")]
    [InlineData("/api/v/orders")]
    [InlineData("/api/ordersx")]
    [InlineData("/api/v1")]
    [InlineData("/orders")]
    [InlineData("/favicon.ico")]
    public async Task UnknownPath_IsNotForwarded_AndGets404Problem(string path)
    {
        using var client = _gateway!.CreateClient();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.False(response.Headers.Contains(StandInServices.InstanceHeader));
        await ProblemAssert.IsAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public void Routes_CoverEveryService()
    {
        Assert.Equal(s_services.Order(), CaravanGateway.Routes.Select(route => route.Service).Distinct().Order());
    }

    private async Task AssertForwardedAsync(string pathAndQuery, string service)
    {
        using var client = _gateway!.CreateClient();

        using var response = await client.GetAsync(new Uri(pathAndQuery, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{service} {pathAndQuery}", await response.Content.ReadAsStringAsync());
    }
}
