namespace Caravan.EndToEnd.Tests.Scenario;

/// <summary>
/// The promises of the order system, checked over a whole run: every planned order either accepted or
/// refused by the stock check (never both, never lost), every accepted order final, stock and money
/// conserved, no key charged twice, one shipment per confirmed order and none for cancelled ones, one
/// notification per final order.
/// </summary>
public static class Invariants
{
    public static void Check(
        SystemSnapshot snapshot,
        IReadOnlyDictionary<string, int> initialStock,
        IReadOnlyDictionary<string, Guid> accepted,
        IReadOnlyDictionary<string, string> refused,
        IReadOnlyList<PlannedOrder> plan,
        bool inventoryAlwaysUp)
    {
        // Every planned order was accepted or refused, not both; only an order asking for a product that
        // can run out was refused; and a refused order left nothing behind (the count below).
        Assert.Equal(plan.Count, accepted.Count + refused.Count);
        Assert.All(refused.Keys, key => Assert.False(accepted.ContainsKey(key), $"order {key} was both accepted and refused"));
        var planned = plan.ToDictionary(order => order.IdempotencyKey, StringComparer.Ordinal);
        Assert.All(refused.Keys, key => Assert.True(planned[key].MayBeOutOfStock, $"order {key} ({planned[key].Kind}) was refused for stock"));

        // Every accepted order exists once, and nothing else does: an idempotency key never made two orders.
        var orders = snapshot.Orders.ToDictionary(order => order.Id);
        Assert.Equal(accepted.Values.Distinct().Count(), accepted.Count);
        Assert.Equal(accepted.Count, snapshot.Orders.Count);
        Assert.All(accepted.Values, id => Assert.True(orders.ContainsKey(id), $"accepted order {id} is missing"));

        // Every order reached a final state.
        Assert.All(snapshot.Orders, order => Assert.True(order.Status is "Confirmed" or "Cancelled", $"order {order.Id} is {order.Status}"));
        var confirmed = snapshot.Orders.Where(order => order.Status == "Confirmed").ToList();
        var cancelled = snapshot.Orders.Where(order => order.Status == "Cancelled").ToList();

        // Stock is conserved: initial = available + committed for confirmed orders; nothing is left reserved.
        foreach (var (sku, initial) in initialStock)
        {
            var product = Assert.Single(snapshot.Products, product => product.Sku == sku);
            var sold = confirmed.SelectMany(order => order.Items).Where(line => line.Sku == sku).Sum(line => line.Quantity);
            Assert.True(product.Reserved == 0, $"{sku}: {product.Reserved} left reserved");
            Assert.True(product.Committed == sold, $"{sku}: committed {product.Committed}, confirmed orders bought {sold}");
            Assert.True(initial == product.Stock + product.Committed, $"{sku}: initial {initial} != available {product.Stock} + committed {product.Committed}");
        }

        // Money is conserved: charged − refunded = total of confirmed orders; no key charged (or refunded) twice.
        Assert.All(snapshot.Ledger.GroupBy(entry => (entry.IdempotencyKey, entry.Kind)), group => Assert.Single(group));
        var charged = snapshot.Ledger.Where(entry => entry.Kind == "Charge").Sum(entry => entry.Amount);
        var refunded = snapshot.Ledger.Where(entry => entry.Kind == "Refund").Sum(entry => entry.Amount);
        var confirmedTotal = confirmed.Sum(order => order.Total ?? 0m);
        Assert.Equal(confirmedTotal, charged - refunded);
        Assert.Equal(charged - refunded, snapshot.PaymentSummary.GetProperty("net").GetDecimal());
        Assert.All(confirmed, order => Assert.True(order.Total > 0, $"confirmed order {order.Id} has no total"));
        var netByOrder = snapshot.Ledger.GroupBy(entry => entry.OrderId)
            .ToDictionary(group => group.Key, group => group.Sum(entry => entry.Kind == "Charge" ? entry.Amount : -entry.Amount));
        Assert.All(confirmed, order => Assert.Equal(order.Total, netByOrder.GetValueOrDefault(order.Id)));
        Assert.All(cancelled, order => Assert.Equal(0m, netByOrder.GetValueOrDefault(order.Id)));

        // Exactly one shipment per confirmed order, none for cancelled ones.
        var created = snapshot.Shipments.Where(shipment => shipment.Status == "Created").ToList();
        Assert.Equal(created.Count, created.Select(shipment => shipment.OrderId).Distinct().Count());
        Assert.Equal(confirmed.Select(order => order.Id).Order(), created.Select(shipment => shipment.OrderId).Order());

        // One notification per final order, of the right kind.
        var notified = snapshot.Notifications.GroupBy(notification => notification.OrderId).ToDictionary(group => group.Key, group => group.ToList());
        Assert.Equal(snapshot.Orders.Count, notified.Count);
        Assert.All(snapshot.Orders, order =>
        {
            var notification = Assert.Single(notified[order.Id]);
            Assert.Equal(order.Status, notification.Kind);
        });

        // The planned failures failed the way they should. A sold-out order is refused at once by the stock
        // check; only when the check could not get Inventory's answer in time (Inventory killed, or too slow
        // under load) is it accepted, and then its saga's reservation fails and cancels it. While Inventory
        // stays up the synchronous refusal must be what happens — at least for some of them: how many
        // beat the check's deadline on a loaded machine is timing, not a promise.
        if (inventoryAlwaysUp && plan.Any(order => order.Kind == OrderKind.OutOfStock))
        {
            Assert.Contains(plan, order => order.Kind == OrderKind.OutOfStock && refused.ContainsKey(order.IdempotencyKey));
        }

        foreach (var order in plan)
        {
            if (!accepted.TryGetValue(order.IdempotencyKey, out var id))
            {
                continue;
            }

            var actual = orders[id];
            var expectedStep = order.Kind switch
            {
                OrderKind.Declined => "process_payment",
                OrderKind.OutOfStock => "reserve_inventory",
                OrderKind.Undeliverable => "create_shipment",
                _ => null,
            };
            if (expectedStep is not null)
            {
                Assert.Equal("Cancelled", actual.Status);
                Assert.StartsWith(expectedStep, actual.Reason, StringComparison.Ordinal);
            }
        }
    }
}
