using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Caravan.AppHost.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Caravan.EndToEnd.Tests.Scenario;

/// <summary>How the planned orders are placed: by the shopper, with whatever faults a test injects meanwhile.</summary>
public delegate Task Placement(Shopper shopper, IReadOnlyList<PlannedOrder> plan, CancellationToken cancellationToken);

/// <summary>
/// One end-to-end run against a started system: create shoppers and products, place a seeded mix of orders
/// through the gateway (while a test's faults happen, if any), wait until every order is final and the
/// services that follow orders asynchronously have caught up, then check <see cref="Invariants"/>.
/// </summary>
public sealed class OrderScenario(CaravanAppHost system, ITestOutputHelper output)
{
    /// <summary>Short leases and saga timeouts, so that work a killed process held is picked up again within seconds.</summary>
    public static IReadOnlyList<string> FastRecovery { get; } =
    [
        "Caravan:Messaging:Consumer:LeaseDuration=00:00:05",
        "Caravan:Orders:Saga:StepTimeout=00:00:20",
        "Caravan:Orders:Saga:StepAttempts=5",
    ];

    /// <summary>How many orders the shopper places at once.</summary>
    public const int Concurrency = 8;

    /// <summary>Places every order at <see cref="Concurrency"/>, no faults.</summary>
    public static Placement Plainly { get; } = (shopper, plan, token) => shopper.PlaceAllAsync(plan, Concurrency, token);

    /// <param name="orderCount">How many orders to plan.</param>
    /// <param name="seed">Seeds the plan: the same seed places the same orders.</param>
    /// <param name="placement">How to place them (<see cref="Plainly"/> when null).</param>
    /// <param name="faulty">Whether processes or servers were killed or restarted meanwhile: then every resource is
    /// waited for after placing, and a sold-out order accepted because Inventory was away is no failure.</param>
    public async Task RunAsync(int orderCount, int seed, Placement? placement = null, bool faulty = false)
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
        var plan = OrderPlan.Create(orderCount, users, seed, $"e2e-{seed}");
        var shopper = new Shopper(gateway, TimeSpan.FromMinutes(3));

        var started = DateTimeOffset.UtcNow;
        await (placement ?? Plainly)(shopper, plan, token);
        output.WriteLine($"{shopper.Accepted.Count} orders accepted and {shopper.Refused.Count} refused as out of stock in {(DateTimeOffset.UtcNow - started).TotalSeconds:0.0} s with {shopper.Retries} retried attempts.");
        if (faulty)
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

        Invariants.Check(snapshot!, initialStock, shopper.Accepted, shopper.Refused, plan, inventoryAlwaysUp: !faulty);
        var confirmed = snapshot!.Orders.Count(order => order.Status == "Confirmed");
        output.WriteLine($"{confirmed} confirmed, {snapshot.Orders.Count - confirmed} cancelled; charged − refunded = {snapshot.PaymentSummary.GetProperty("net").GetDecimal()}.");
        Assert.True(confirmed > orderCount / 2, $"only {confirmed} of {orderCount} orders were confirmed");
    }
}
