using Caravan.Contracts;

namespace Caravan.Shipping.Shipments;

/// <summary>What the carrier accepts: a complete address in a country it serves, and at least one sensible line.</summary>
internal static class ShipmentRules
{
    /// <summary>The country code the carrier never ships to (used to demo a failing saga step).</summary>
    public const string UnservedCountry = "XX";

    public const int MaxFieldLength = 200;

    /// <summary>Why the shipment cannot be created, or null when it can.</summary>
    public static string? Rejection(CreateShipment command)
    {
        var address = command.ShippingAddress;
        if (address is null)
        {
            return "shipping address is required";
        }

        string[] missing =
        [
            .. new[] { ("line1", address.Line1), ("city", address.City), ("postalCode", address.PostalCode), ("country", address.Country) }
                .Where(field => string.IsNullOrWhiteSpace(field.Item2))
                .Select(field => field.Item1),
        ];
        if (missing.Length > 0)
        {
            return $"shipping address is missing {string.Join(", ", missing)}";
        }

        if (new[] { address.Line1, address.City, address.PostalCode }.Any(value => value.Length > MaxFieldLength))
        {
            return $"shipping address fields must be at most {MaxFieldLength} characters";
        }

        var country = address.Country.Trim();
        if (country.Length != 2 || !country.All(char.IsAsciiLetter))
        {
            return "shipping address country must be a two-letter ISO 3166-1 code";
        }

        if (string.Equals(country, UnservedCountry, StringComparison.OrdinalIgnoreCase))
        {
            return $"cannot ship to country {UnservedCountry}";
        }

        if (command.Items is null || command.Items.Count == 0)
        {
            return "there are no items to ship";
        }

        for (var i = 0; i < command.Items.Count; i++)
        {
            var item = command.Items[i];
            if (item is null || string.IsNullOrWhiteSpace(item.Sku) || item.Quantity <= 0)
            {
                return $"items[{i}] needs a sku and a positive quantity";
            }
        }

        return null;
    }

    /// <summary>The address as it is stored: trimmed, with an upper-case country code.</summary>
    public static Address Normalize(Address address) =>
        new(address.Line1.Trim(), address.City.Trim(), address.PostalCode.Trim(), address.Country.Trim().ToUpperInvariant());
}
