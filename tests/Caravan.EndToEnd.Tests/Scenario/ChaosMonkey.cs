using Caravan.AppHost.Tests.Infrastructure;

namespace Caravan.EndToEnd.Tests.Scenario;

/// <summary>
/// Every few seconds, SIGKILLs the process of a randomly chosen instance of a service (or the gateway) of a
/// running app host, which must restart it. With replicas (distributed mode) each instance is a victim of
/// its own. Seeded, so a failing run can be replayed in the same order.
/// </summary>
public sealed class ChaosMonkey(CaravanAppHost host, int seed, TimeSpan minInterval, TimeSpan maxInterval)
{
    private readonly Random _random = new(seed);
    private readonly List<string> _kills = [];
    private int _killCount;

    /// <summary>"instance(pid) at time" of every kill, in order (read it once the chaos stopped).</summary>
    public IReadOnlyList<string> Kills => _kills;

    private int KillCount => Volatile.Read(ref _killCount);

    /// <summary>Runs <paramref name="work"/> with the chaos going on, and stops the chaos when it ends and at
    /// least <paramref name="minimumKills"/> processes were killed (work that ends early — on a fast machine —
    /// still meets the chaos, then as the messages it started are being handled).</summary>
    public async Task DuringAsync(Func<Task> work, int minimumKills = 0)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var stop = new CancellationTokenSource();
        var chaos = RunAsync(stop.Token);
        try
        {
            await work();
            await Eventually.HoldsAsync($"{minimumKills} kills", TimeSpan.FromMinutes(2), _ => Task.FromResult(KillCount >= minimumKills));
        }
        finally
        {
            await stop.CancelAsync();
            await chaos;
        }
    }

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

            var instances = host.AllInstances;
            var victim = instances[_random.Next(instances.Count)];
            if (host.ServicePid(victim) is { } pid)
            {
                ServiceProcesses.Kill(pid);
                _kills.Add($"{victim}({pid}) at {DateTimeOffset.UtcNow:HH:mm:ss.fff}");
                Interlocked.Increment(ref _killCount);
            }
        }
    }
}
