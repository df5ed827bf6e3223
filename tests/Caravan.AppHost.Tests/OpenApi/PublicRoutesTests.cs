using Caravan.Gateway;
using Caravan.Gateway.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Yarp.ReverseProxy.Configuration;

namespace Caravan.AppHost.Tests.OpenApi;

/// <summary>Which declared paths are public: read from the gateway's own proxy configuration.</summary>
public sealed class PublicRoutesTests
{
    [Theory]
    [InlineData("users", "/api/v1/users", true)]
    [InlineData("users", "/api/v1/users/{id}/orders", true)]
    [InlineData("inventory", "/api/v1/products/{sku}", true)]
    [InlineData("orders", "/api/v1/sagas/{id}/retry", true)]
    [InlineData("orders", "/api/v1/users/{id}/orders", false)]
    [InlineData("users", "/api/v1/usersx", false)]
    [InlineData("users", "/health/live", false)]
    [InlineData("orders", "/openapi/v1.json", false)]
    public void Forwards_TheGatewaysRoutes_ToTheirService(string service, string path, bool forwarded)
    {
        Assert.Equal(forwarded, GatewayRoutes().Forwards(service, path));
    }

    [Fact]
    public void Services_AreTheHostsTheClustersPointAt()
    {
        Assert.Equal(
            ["users", "orders", "inventory", "payments", "shipping", "notifications"],
            GatewayRoutes().Services.Select(service => service.Service));
        Assert.Equal(new Uri("http://orders"), GatewayRoutes().Services[1].BaseAddress);
    }

    private static PublicRoutes GatewayRoutes()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddCaravanGateway();
        using var services = builder.Services.BuildServiceProvider();
        return PublicRoutes.From(services.GetServices<IProxyConfigProvider>());
    }
}
