using Caravan.AppHost.Tests.Infrastructure;
using Caravan.EndToEnd.Tests.Distributed;
using Caravan.EndToEnd.Tests.Scenario;
using Xunit.Abstractions;

namespace Caravan.EndToEnd.Tests;

/// <summary>
/// The end-to-end runs of <see cref="OrderSystemTests"/> in distributed mode (<c>--mode distributed</c>: every
/// service on PostgreSQL and RabbitMQ, two competing instances each of Inventory and Payments), on servers
/// of this class's own (<see cref="PrivateServers"/>), with the same invariants — plus the faults only this
/// mode has: the broker and the database restarted mid-run, and a relay killed between commit and confirm.
/// Fewer orders than the embedded runs, to keep the three runs within a few minutes.
/// </summary>
public sealed class DistributedOrderSystemTests(PrivateServers servers, ITestOutputHelper output) : IClassFixture<PrivateServers>
{
    private const int OrderCount = 150;
    // Nine processes (each launched through `dotnet run`) plus their schema set-up on PostgreSQL: on a loaded
    // two-core machine that has taken over two minutes. A deadline, not a speed requirement.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);
    private static readonly string[] Replicated = ["inventory", "payments"];

    [Fact]
    public async Task Distributed_orders_end_final_with_stock_and_money_conserved_on_two_instances_of_inventory_and_payments()
    {
        // No connection strings: the app host starts its servers with the eng scripts, given their settings
        // (they run already, so the scripts only report where).
        var prefix = PrivateServers.NewRunPrefix();
        await using var system = await StartAsync(prefix, [.. servers.Settings.Select(setting => $"{setting.Key}={setting.Value}")]);

        foreach (var service in Replicated)
        {
            var pids = system.InstancesOf(service).Select(instance => system.ServicePid(instance)).ToList();
            Assert.Equal(2, pids.Distinct().Count(pid => pid is not null));
        }

        foreach (var instance in CaravanAppHost.Services.SelectMany(system.InstancesOf))
        {
            var environment = system.Snapshot(instance).EnvironmentVariables.ToDictionary(variable => variable.Name, variable => variable.Value);
            Assert.Equal("postgres", environment.GetValueOrDefault("Caravan__Database__Provider"));
            Assert.Equal("rabbitmq", environment.GetValueOrDefault("Caravan__Messaging__Transport"));
            Assert.Equal(servers.Postgres, environment.GetValueOrDefault("ConnectionStrings__postgres"));
            Assert.Equal(servers.RabbitMq, environment.GetValueOrDefault("ConnectionStrings__rabbitmq"));
        }

        await RunAsync(system, prefix, seed: 17, placement: null, describeFaults: () => []);
        Assert.Equal(0, await Outbox.CountAsync(servers.Database(prefix + "_orders"), CancellationToken.None));
    }

    [Fact]
    public async Task Distributed_orders_survive_random_kill_9_of_the_service_instances()
    {
        var prefix = PrivateServers.NewRunPrefix();
        await using var system = await StartAsync(prefix, ConnectionStrings());
        var monkey = new ChaosMonkey(system, seed: 19, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4));
        await RunAsync(
            system, prefix, seed: 23,
            (shopper, plan, token) => monkey.DuringAsync(() => OrderScenario.Plainly(shopper, plan, token), minimumKills: 4),
            () => [$"{monkey.Kills.Count} kills: {string.Join(", ", monkey.Kills)}"]);
        Assert.True(monkey.Kills.Count >= 3, $"the chaos run killed only {monkey.Kills.Count} processes");
    }

    [Fact]
    public async Task Distributed_orders_survive_broker_and_database_restarts_and_a_kill_between_commit_and_confirm()
    {
        var prefix = PrivateServers.NewRunPrefix();
        await using var system = await StartAsync(prefix, ConnectionStrings());
        var faults = new ServerFaults(system, servers, prefix + "_");
        await RunAsync(system, prefix, seed: 29, faults.PlaceAsync, () => faults.Timeline, faults);
        Assert.NotNull(faults.KilledRelay);
    }

    private IEnumerable<string> ConnectionStrings() =>
        [$"ConnectionStrings:postgres={servers.Postgres}", $"ConnectionStrings:rabbitmq={servers.RabbitMq}"];

    private static Task<CaravanAppHost> StartAsync(string prefix, IEnumerable<string> servers) =>
        CaravanAppHost.StartAsync(StartTimeout,
        [
            .. OrderScenario.FastRecovery,
            "Caravan:Mode=distributed",
            $"Caravan:Database:NamePrefix={prefix}_",
            $"Caravan:Messaging:RabbitMq:TopologyPrefix={prefix}",
            .. servers,
        ]);

    /// <summary>Runs the scenario; prints what the faults did, and on failure where everything stood.</summary>
    private async Task RunAsync(CaravanAppHost system, string prefix, int seed, Placement? placement, Func<IEnumerable<string>> describeFaults, ServerFaults? outboxes = null)
    {
        var failed = true;
        try
        {
            await new OrderScenario(system, output).RunAsync(OrderCount, seed, placement, faulty: placement is not null);
            failed = false;
        }
        finally
        {
            foreach (var line in describeFaults())
            {
                output.WriteLine(line);
            }

            if (failed)
            {
                await PrintDiagnosticsAsync(system, prefix, outboxes ?? new ServerFaults(system, servers, prefix + "_"));
            }
        }
    }

    private async Task PrintDiagnosticsAsync(CaravanAppHost system, string prefix, ServerFaults outboxes)
    {
        output.WriteLine($"Instances: {system.DescribeStates()}");
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            output.WriteLine($"Outbox rows: {await outboxes.DescribeOutboxesAsync(timeout.Token)}");
            output.WriteLine("Queues (name, ready, unacknowledged):");
            foreach (var queue in (await servers.ListQueuesAsync()).Split('\n').Where(line => line.StartsWith(prefix, StringComparison.Ordinal)))
            {
                output.WriteLine("  " + queue);
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            output.WriteLine($"(diagnostics incomplete: {exception.GetType().Name}: {exception.Message})");
        }

        foreach (var line in system.Log.Lines.TakeLast(300))
        {
            output.WriteLine(line);
        }
    }
}
