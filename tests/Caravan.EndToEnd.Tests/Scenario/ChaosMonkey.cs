using Caravan.AppHost.Tests.Infrastructure;

namespace Caravan.EndToEnd.Tests.Scenario;

/// <summary>
/// Every few seconds, SIGKILLs the process of a randomly chosen service (or the gateway) of a running
/// app host, which must restart it. Seeded, so a failing run can be replayed in the same order.
/// </summary>
public sealed class ChaosMonkey(CaravanAppHost host, int seed, TimeSpan minInterval, TimeSpan maxInterval)
{
    private readonly Random _random = new(seed);
    private readonly List<string> _kills = [];

    /// <summary>"resource(pid) at time" of every kill, in order.</summary>
    public IReadOnlyList<string> Kills => _kills;

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var wait = minInterval + ((maxInterval - minInterval) * _random.NextDouble());
            try
            {
                await Task.Delay(wait, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var victim = CaravanAppHost.AllResources[_random.Next(CaravanAppHost.AllResources.Count)];
            if (host.ServicePid(victim) is { } pid)
            {
                ServiceProcesses.Kill(pid);
                _kills.Add($"{victim}({pid}) at {DateTimeOffset.UtcNow:HH:mm:ss.fff}");
            }
        }
    }
}
