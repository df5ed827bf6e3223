using Caravan.Contracts;

namespace Caravan.Orders.Api;

/// <summary>
/// An amount of money with its currency. Caravan is single-currency today: prices, charges and totals
/// are whole euro cents everywhere, so the currency is always <c>EUR</c>. Stating it lets clients stop
/// assuming it, and lets a later multi-currency version keep this shape.
/// </summary>
public sealed record MoneyResponse(decimal Amount, string Currency)
{
    /// <summary>The one currency Caravan trades in.</summary>
    public const string Euro = "EUR";

    public static MoneyResponse? Euros(decimal? amount) => amount is { } value ? new MoneyResponse(value, Euro) : null;
}

/// <summary>
/// An order as v2 clients see it: as in v1, but <c>total</c> and each item's <c>unitPrice</c> are
/// <see cref="MoneyResponse"/> objects, and each priced item also carries its <c>lineTotal</c>.
/// </summary>
public sealed record OrderV2Response(
    Guid Id,
    Guid UserId,
    string Status,
    MoneyResponse? Total,
    IReadOnlyList<OrderItemV2Response> Items,
    Address ShippingAddress,
    IReadOnlyList<OrderStepResponse>? Steps,
    string? Reason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>One line of a v2 order; the prices are null until Inventory has priced the order.</summary>
public sealed record OrderItemV2Response(string Sku, int Quantity, MoneyResponse? UnitPrice, MoneyResponse? LineTotal);
