using System.Net;
using Caravan.AppHost.Tests.Infrastructure;

namespace Caravan.AppHost.Tests.Gateway;

/// <summary>
/// The gateway as the app host runs it: the app host's <c>Caravan:Gateway:*</c> reaches the gateway process
/// as <c>Caravan__Gateway__*</c>, and the test host's high rate limits apply unless the caller overrides one.
/// </summary>
public sealed class GatewayThroughAppHostTests : IAsyncLifetime
{
    private CaravanAppHost? _host;

    public async Task InitializeAsync() =>
        _host = await CaravanAppHost.StartAsync(TimeSpan.FromSeconds(180), ["Caravan:Gateway:RateLimiting:Anonymous:Burst=150000"]);

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task GatewaySettings_ReachTheGatewayProcess_AndTheCallersOverrideWins()
    {
        var environment = _host!.Snapshot(CaravanAppHost.Gateway).EnvironmentVariables.ToDictionary(variable => variable.Name, variable => variable.Value);
        Assert.Equal("100000", environment["Caravan__Gateway__RateLimiting__Anonymous__TokensPerSecond"]);
        Assert.Equal("150000", environment["Caravan__Gateway__RateLimiting__Anonymous__Burst"]);
        using var client = _host.CreateGatewayClient();

        using var response = await client.GetAsync(new Uri("/api/v1/products", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("150000", Assert.Single(response.Headers.GetValues("RateLimit-Limit")));
    }
}
