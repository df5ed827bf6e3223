using Caravan.AppHost.Tests.Infrastructure;

namespace Caravan.AppHost.Tests;

/// <summary>One real run of the app host shared by the tests of <see cref="OneCommandRunTests"/>.</summary>
public sealed class OneCommandRunFixture : IAsyncLifetime
{
    /// <summary>Payments fault knobs given to the app host, to check they reach the payments process.</summary>
    public static IReadOnlyList<string> PaymentsKnobs { get; } = ["Caravan:Payments:TransientFailureRate=0", "Caravan:Payments:Latency=00:00:00"];

    /// <summary>
    /// Users' deadline for its call to Orders, raised from 5 s: on a CI machine running every test assembly at
    /// once, Orders answering late is load, not what these tests look for (service discovery, settings).
    /// </summary>
    public static IReadOnlyList<string> LoadTolerance { get; } = ["Caravan:Users:Orders:Timeout=00:00:30"];

    private CaravanAppHost? _host;

    public CaravanAppHost Host => _host ?? throw new InvalidOperationException("The app host has not started.");

    public async Task InitializeAsync() =>
        _host = await CaravanAppHost.StartAsync(TimeSpan.FromSeconds(180), [.. PaymentsKnobs, .. LoadTolerance]);

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
