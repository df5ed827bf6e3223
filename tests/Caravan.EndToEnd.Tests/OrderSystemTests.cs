using Caravan.AppHost.Tests.Infrastructure;
using Caravan.EndToEnd.Tests.Scenario;
using Xunit.Abstractions;

namespace Caravan.EndToEnd.Tests;

/// <summary>
/// The whole system, started the way the README starts it (the app host: every service and the
/// gateway as their own processes, SQLite files, the embedded broker), taking 500 orders through the
/// public entry point — most good, some declined, out of stock, undeliverable or submitted twice — and
/// then checking the system's invariants, not just statuses. The chaos variant SIGKILLs a random
/// service every few seconds while the orders flow; the same invariants must hold once it stops.
/// </summary>
public sealed class OrderSystemTests(ITestOutputHelper output)
{
    private const int OrderCount = 500;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Five_hundred_orders_end_final_with_stock_and_money_conserved()
    {
        await using var system = await CaravanAppHost.StartAsync(StartTimeout, OrderScenario.FastRecovery);
        await new OrderScenario(system, output).RunAsync(OrderCount, seed: 7);
    }

    [Fact]
    public async Task Five_hundred_orders_survive_random_kill_9_of_the_services()
    {
        // A kill every 2–4 s among seven processes reaches each one about every 20 s, before the app host's default
        // 30 s of uptime that resets its crash backoff: every restart would wait the full 10 s and the system would
        // be down more than up (seen once in CI: orders at crash 8 in a row, an order not accepted in 3 min). A
        // process that ran 10 s counts as recovered here; the backoff itself is covered by CrashBackoffTests.
        await using var system = await CaravanAppHost.StartAsync(StartTimeout, [.. OrderScenario.FastRecovery, "Caravan:Restarts:StableAfter=00:00:10"]);
        var monkey = new ChaosMonkey(system, seed: 11, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4));
        try
        {
            await new OrderScenario(system, output).RunAsync(
                OrderCount, seed: 13, (shopper, plan, token) => monkey.DuringAsync(() => OrderScenario.Plainly(shopper, plan, token)), faulty: true);
        }
        finally
        {
            // What the chaos did and how the app host answered it, for a run that went wrong.
            output.WriteLine($"{monkey.Kills.Count} kills: {string.Join(", ", monkey.Kills)}");
            foreach (var line in system.Log.Lines.TakeLast(300))
            {
                output.WriteLine(line);
            }
        }

        Assert.True(monkey.Kills.Count >= 3, $"the chaos run killed only {monkey.Kills.Count} processes");
    }
}
