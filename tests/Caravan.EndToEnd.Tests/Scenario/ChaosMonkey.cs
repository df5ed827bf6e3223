using Caravan.AppHost.Tests.Infrastructure;

namespace Caravan.EndToEnd.Tests.Scenario;

/// <summary>
/// Every few seconds, SIGKILLs the process of a randomly chosen healthy instance of a service (or the gateway) of a
/// running app host, which must restart it. With replicas (distributed mode) each instance is a victim of
/// its own. Seeded, so a failing run can be replayed in the same order.
/// <para>
/// At most <paramref name="maxDown"/> instances are down (not reported healthy) at once: a kill that would take one
/// more down waits for the next tick. Without that bound the kill rate, not the system, decided whether orders could
/// make progress: on a machine where a service needs 10–16 s to start (seen on a slowed CI machine), a kill every
/// 2–4 s among seven processes kept most of them starting up, and 500 orders could not be placed in 12 minutes.
/// </para>
/// </summary>
public sealed class ChaosMonkey(CaravanAppHost host, int seed, TimeSpan minInterval, TimeSpan maxInterval, int maxDown = 2)
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
            var healthy = instances.Where(host.IsHealthy).ToList();
            if (instances.Count - healthy.Count >= maxDown || healthy.Count == 0)
            {
                continue;
            }

            var victim = healthy[_random.Next(healthy.Count)];
            if (host.ServicePid(victim) is { } pid)
            {
                ServiceProcesses.Kill(pid);
                _kills.Add($"{victim}({pid}) at {DateTimeOffset.UtcNow:HH:mm:ss.fff}");
                Interlocked.Increment(ref _killCount);
            }
        }
    }
}
