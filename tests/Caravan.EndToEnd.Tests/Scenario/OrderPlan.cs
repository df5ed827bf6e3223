namespace Caravan.EndToEnd.Tests.Scenario;

/// <summary>What a planned order is meant to exercise.</summary>
public enum OrderKind
{
    /// <summary>
    /// Should be confirmed, unless it asks for the scarce product after it ran out: then Orders' stock
    /// check refuses it (409 OUT_OF_STOCK), or — when orders race for the last units, or the check could
    /// not reach Inventory — its saga's reservation fails and it is cancelled.
    /// </summary>
    Normal,

    /// <summary>Card 4000000000000002 or "invalid": declined, so the reservation is released.</summary>
    Declined,

    /// <summary>
    /// Asks for the sold-out product (0 available from the start): Orders' stock check refuses it with
    /// 409 OUT_OF_STOCK and nothing is created. Only when the check cannot get Inventory's answer before
    /// its deadline (Inventory killed or overloaded) is the order accepted, and then its saga's
    /// reservation fails and it is cancelled.
    /// </summary>
    OutOfStock,

    /// <summary>Ships to country XX: the shipment is rejected, so the charge is refunded and the stock released.</summary>
    Undeliverable,

    /// <summary>A normal order submitted twice with the same Idempotency-Key (once after the other, or both at once).</summary>
    SubmittedTwice,
}

public sealed record PlannedLine(string Sku, int Quantity);

public sealed record PlannedOrder(int Number, OrderKind Kind, string IdempotencyKey, Guid UserId, IReadOnlyList<PlannedLine> Lines, string CardNumber, string Country)
{
    /// <summary>Asks for a product that is or can become sold out: the only orders the stock check may refuse.</summary>
    public bool MayBeOutOfStock => Lines.Any(line => line.Sku is Catalog.SoldOut or Catalog.Scarce);

    public object Body => new
    {
        userId = UserId.ToString(),
        items = Lines.Select(line => new { sku = line.Sku, quantity = line.Quantity }).ToArray(),
        payment = new { cardNumber = CardNumber },
        shippingAddress = new { line1 = $"{Number} Caravan Road", city = "Lisbon", postalCode = "1000-001", country = Country },
    };
}

/// <summary>The products the scenario sells, created before the orders; the app host also seeds its demo products (SOLD-OUT-1 among them).</summary>
public static class Catalog
{
    public const string Plenty = "E2E-PLENTY";
    public const string Gadget = "E2E-GADGET";
    public const string Scarce = "E2E-SCARCE";
    public const string SoldOut = "SOLD-OUT-1";

    public static IReadOnlyList<(string Sku, string Name, decimal Price, int Stock)> Products { get; } =
    [
        (Plenty, "Plentiful widget", 10.00m, 5000),
        (Gadget, "Gadget", 25.50m, 5000),
        (Scarce, "Scarce collectible", 99.99m, 40),
    ];
}

/// <summary>A seeded mix of orders: mostly good ones, some declined, out of stock, undeliverable, or submitted twice.</summary>
public static class OrderPlan
{
    public static IReadOnlyList<PlannedOrder> Create(int count, IReadOnlyList<Guid> users, int seed, string keyPrefix)
    {
        var random = new Random(seed);
        var orders = new List<PlannedOrder>(count);
        for (var number = 1; number <= count; number++)
        {
            var roll = random.NextDouble();
            var kind = roll switch
            {
                < 0.08 => OrderKind.Declined,
                < 0.15 => OrderKind.OutOfStock,
                < 0.22 => OrderKind.Undeliverable,
                < 0.30 => OrderKind.SubmittedTwice,
                _ => OrderKind.Normal,
            };
            var lines = new List<PlannedLine> { new(Catalog.Plenty, random.Next(1, 4)) };
            if (random.NextDouble() < 0.5)
            {
                lines.Add(new PlannedLine(Catalog.Gadget, random.Next(1, 3)));
            }

            if (kind == OrderKind.Normal && random.NextDouble() < 0.15)
            {
                lines.Add(new PlannedLine(Catalog.Scarce, random.Next(1, 4)));
            }

            if (kind == OrderKind.OutOfStock)
            {
                lines.Add(new PlannedLine(Catalog.SoldOut, 1));
            }

            var card = kind == OrderKind.Declined ? (random.NextDouble() < 0.5 ? "4000000000000002" : "invalid") : "4242424242424242";
            var country = kind == OrderKind.Undeliverable ? "XX" : "PT";
            orders.Add(new PlannedOrder(number, kind, $"{keyPrefix}-{number:D4}", users[random.Next(users.Count)], lines, card, country));
        }

        return orders;
    }
}
