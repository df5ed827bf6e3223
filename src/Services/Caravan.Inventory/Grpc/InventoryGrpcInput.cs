using Caravan.Contracts;
using Caravan.Inventory.Grpc.V1;
using Caravan.Inventory.Reservations;

namespace Caravan.Inventory.Grpc;

/// <summary>
/// Checks gRPC input field by field (proto field names, with indexes: <c>items[2].quantity</c>) and
/// throws INVALID_ARGUMENT naming the first field that is wrong, before anything is read or written.
/// </summary>
internal static class InventoryGrpcInput
{
    /// <summary>Longest sku accepted (the REST API's limit too).</summary>
    public const int MaxSkuLength = 64;

    public static Guid OrderId(string value) =>
        Guid.TryParse(value, out var orderId) && orderId != Guid.Empty
            ? orderId
            : throw InventoryGrpcErrors.InvalidArgument("order_id", string.IsNullOrWhiteSpace(value) ? "is required." : $"'{value}' is not an order id (a GUID).");

    public static IReadOnlyList<string> Skus(IReadOnlyList<string> skus)
    {
        CheckCount(skus.Count, "skus", "sku");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var index = 0; index < skus.Count; index++)
        {
            var field = $"skus[{index}]";
            CheckSku(skus[index], field);
            if (!seen.Add(skus[index]))
            {
                throw InventoryGrpcErrors.InvalidArgument(field, $"repeats the sku '{skus[index]}'; ask for each sku once.");
            }
        }

        return skus;
    }

    public static IReadOnlyList<OrderLine> Lines(IReadOnlyList<ReserveLine> items)
    {
        CheckCount(items.Count, "items", "line");
        var lines = new List<OrderLine>(items.Count);
        for (var index = 0; index < items.Count; index++)
        {
            CheckSku(items[index].Sku, $"items[{index}].sku");
            if (items[index].Quantity < 1)
            {
                throw InventoryGrpcErrors.InvalidArgument($"items[{index}].quantity", $"must be at least 1, not {items[index].Quantity}.");
            }

            lines.Add(new OrderLine(items[index].Sku, items[index].Quantity));
        }

        return lines;
    }

    private static void CheckCount(int count, string field, string what)
    {
        if (count == 0)
        {
            throw InventoryGrpcErrors.InvalidArgument(field, $"at least one {what} is required.");
        }

        if (count > StockReservations.MaxLines)
        {
            throw InventoryGrpcErrors.InvalidArgument(field, $"at most {StockReservations.MaxLines} {what}s are accepted at once, not {count}.");
        }
    }

    private static void CheckSku(string sku, string field)
    {
        if (string.IsNullOrWhiteSpace(sku))
        {
            throw InventoryGrpcErrors.InvalidArgument(field, "a sku is required.");
        }

        if (sku.Length > MaxSkuLength)
        {
            throw InventoryGrpcErrors.InvalidArgument(field, $"a sku has at most {MaxSkuLength} characters.");
        }
    }
}
