using System.Text.RegularExpressions;
using Caravan.Contracts;
using Caravan.ServiceDefaults.Problems;

namespace Caravan.Orders.Api;

/// <summary>A place-order request that passed validation.</summary>
internal sealed record ValidOrder(Guid UserId, IReadOnlyList<OrderLine> Items, string CardNumber, Address ShippingAddress);

internal static partial class PlaceOrderValidation
{
    public const int MaxItems = 50;
    public const int MaxQuantity = 1000;
    public const int MaxIdempotencyKeyLength = 100;

    /// <summary>Checks every field and names each that is wrong; returns the order when all are right.</summary>
    public static ValidOrder? Validate(PlaceOrderRequest? request, FieldErrors errors)
    {
        if (request is null)
        {
            errors.Add("body", "A JSON body is required.");
            return null;
        }

        var userId = Guid.Empty;
        if (errors.Check(!string.IsNullOrWhiteSpace(request.UserId), "userId", "'userId' is required."))
        {
            errors.Check(Guid.TryParse(request.UserId, out userId) && userId != Guid.Empty, "userId", "'userId' must be a user id (a GUID).");
        }

        var items = new List<OrderLine>();
        if (request.Items is null || request.Items.Count == 0)
        {
            errors.Add("items", "'items' must hold at least one item.");
        }
        else if (request.Items.Count > MaxItems)
        {
            errors.Add("items", $"'items' may hold at most {MaxItems} items.");
        }
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var index = 0; index < request.Items.Count; index++)
            {
                var item = request.Items[index];
                var field = $"items[{index}]";
                if (item is null)
                {
                    errors.Add(field, $"'{field}' must be an object with 'sku' and 'quantity'.");
                    continue;
                }

                var skuValid = errors.RequireText(item.Sku, $"{field}.sku", 64)
                    && errors.Check(seen.Add(item.Sku!.Trim()), $"{field}.sku", $"'{field}.sku' repeats an earlier item; give each sku once with its total quantity.");
                var quantityValid = errors.Check(item.Quantity is not null, $"{field}.quantity", $"'{field}.quantity' is required.")
                    && errors.Check(item.Quantity is >= 1 and <= MaxQuantity, $"{field}.quantity", $"'{field}.quantity' must be between 1 and {MaxQuantity}.");
                if (skuValid && quantityValid)
                {
                    items.Add(new OrderLine(item.Sku!.Trim(), item.Quantity!.Value));
                }
            }
        }

        var card = request.Payment?.CardNumber;
        if (errors.Check(request.Payment is not null, "payment", "'payment' is required."))
        {
            if (errors.RequireText(card, "payment.cardNumber", 32))
            {
                errors.Check(CardPattern().IsMatch(card!), "payment.cardNumber", "'payment.cardNumber' must be 12 to 19 digits (or a test value such as 'invalid').");
            }
        }

        var address = request.ShippingAddress;
        if (errors.Check(address is not null, "shippingAddress", "'shippingAddress' is required."))
        {
            errors.RequireText(address!.Line1, "shippingAddress.line1");
            errors.RequireText(address.City, "shippingAddress.city", 100);
            errors.RequireText(address.PostalCode, "shippingAddress.postalCode", 20);
            if (errors.RequireText(address.Country, "shippingAddress.country", 2))
            {
                errors.Check(CountryPattern().IsMatch(address.Country!), "shippingAddress.country", "'shippingAddress.country' must be a two-letter ISO 3166 code such as 'DE'.");
            }
        }

        return errors.IsEmpty
            ? new ValidOrder(
                userId,
                items,
                card!.Trim(),
                new Address(address!.Line1!.Trim(), address.City!.Trim(), address.PostalCode!.Trim(), address.Country!.ToUpperInvariant()))
            : null;
    }

    [GeneratedRegex("^([0-9]{12,19}|[A-Za-z-]{1,32})$")]
    private static partial Regex CardPattern();

    [GeneratedRegex("^[A-Za-z]{2}$")]
    private static partial Regex CountryPattern();
}
