using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
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

    /// <summary>Short leases and saga timeouts, so that work a killed process held is picked up again within seconds.</summary>
    private static readonly string[] FastRecovery =
    [
        "Caravan:Messaging:Consumer:LeaseDuration=00:00:05",
        "Caravan:Orders:Saga:StepTimeout=00:00:20",
        "Caravan:Orders:Saga:StepAttempts=5",
    ];

    [Fact]
    public async Task Five_hundred_orders_end_final_with_stock_and_money_conserved()
    {
        await using var system = await CaravanAppHost.StartAsync(StartTimeout, FastRecovery);
        await RunScenarioAsync(system, seed: 7, chaos: null);
    }

    [Fact]
    public async Task Five_hundred_orders_survive_random_kill_9_of_the_services()
    {
        await using var system = await CaravanAppHost.StartAsync(StartTimeout, FastRecovery);
        var monkey = new ChaosMonkey(system, seed: 11, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4));
        try
        {
            await RunScenarioAsync(system, seed: 13, chaos: monkey);
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

    private async Task RunScenarioAsync(CaravanAppHost system, int seed, ChaosMonkey? chaos)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(12));
        var token = timeout.Token;
        using var gateway = system.CreateGatewayClient();

        var users = new List<Guid>();
        for (var index = 0; index < 10; index++)
        {
            using var response = await gateway.PostAsJsonAsync("/api/v1/users", new { name = $"Shopper {index}", email = $"shopper{index}@example.com" }, token);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            users.Add((await response.Content.ReadFromJsonAsync<JsonElement>(token)).GetProperty("id").GetGuid());
        }

        foreach (var (sku, name, price, stock) in Catalog.Products)
        {
            using var response = await gateway.PostAsJsonAsync("/api/v1/products", new { sku, name, price, stock }, token);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        var initialStock = (await SystemSnapshot.ReadProductsAsync(gateway, token)).ToDictionary(product => product.Sku, product => product.Stock + product.Reserved + product.Committed);
        var plan = OrderPlan.Create(OrderCount, users, seed, $"e2e-{seed}");
        var shopper = new Shopper(gateway, TimeSpan.FromMinutes(3));

        using var stopChaos = new CancellationTokenSource();
        var chaosRun = chaos?.RunAsync(stopChaos.Token) ?? Task.CompletedTask;
        var started = DateTimeOffset.UtcNow;
        try
        {
            await shopper.PlaceAllAsync(plan, concurrency: 8, token);
        }
        finally
        {
            await stopChaos.CancelAsync();
            await chaosRun;
        }

        output.WriteLine($"{shopper.Accepted.Count} orders accepted and {shopper.Refused.Count} refused as out of stock in {(DateTimeOffset.UtcNow - started).TotalSeconds:0.0} s with {shopper.Retries} retried attempts.");
        if (chaos is not null)
        {
            foreach (var resource in CaravanAppHost.AllResources)
            {
                await system.WaitForReadyAsync(resource, TimeSpan.FromMinutes(2), token);
            }
        }

        await Eventually.HoldsAsync("every order to reach Confirmed or Cancelled", TimeSpan.FromMinutes(6), async t =>
            await SystemSnapshot.CountUnfinishedAsync(gateway, t) == 0, token);
        output.WriteLine($"All orders final {(DateTimeOffset.UtcNow - started).TotalSeconds:0.0} s after the first was placed.");

        // Inventory commits on OrderConfirmed and Notifications records on the final events: both
        // follow the orders' final state asynchronously, so wait until they have caught up.
        SystemSnapshot? snapshot = null;
        await Eventually.HoldsAsync("inventory commits and notifications to catch up", TimeSpan.FromMinutes(2), async t =>
        {
            snapshot = await SystemSnapshot.ReadAsync(gateway, t);
            return snapshot.Products.All(product => product.Reserved == 0) && snapshot.Notifications.Count >= snapshot.Orders.Count;
        }, token);

        Invariants.Check(snapshot!, initialStock, shopper.Accepted, shopper.Refused, plan, inventoryAlwaysUp: chaos is null);
        var confirmed = snapshot!.Orders.Count(order => order.Status == "Confirmed");
        output.WriteLine($"{confirmed} confirmed, {snapshot.Orders.Count - confirmed} cancelled; charged − refunded = {snapshot.PaymentSummary.GetProperty("net").GetDecimal()}.");
        Assert.True(confirmed > OrderCount / 2, $"only {confirmed} of {OrderCount} orders were confirmed");
    }
}
