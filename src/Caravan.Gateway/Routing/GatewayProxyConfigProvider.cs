using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace Caravan.Gateway.Routing;

/// <summary>Gives YARP the routes and clusters for the current <see cref="GatewayOptions"/>, rebuilt when they change.</summary>
internal sealed class GatewayProxyConfigProvider : IProxyConfigProvider, IDisposable
{
    private readonly IDisposable? _subscription;
    private volatile GatewayProxyConfig _config;

    public GatewayProxyConfigProvider(IOptionsMonitor<GatewayOptions> options)
    {
        _config = new GatewayProxyConfig(CaravanGateway.Routes, options.CurrentValue);
        _subscription = options.OnChange(changed =>
        {
            var previous = _config;
            _config = new GatewayProxyConfig(CaravanGateway.Routes, changed);
            previous.SignalChanged();
            previous.Dispose();
        });
    }

    public IProxyConfig GetConfig() => _config;

    public void Dispose()
    {
        _subscription?.Dispose();
        _config.Dispose();
    }
}
