using System.Text.RegularExpressions;
using Caravan.ServiceDefaults.Data;
using Caravan.ServiceDefaults.Problems;

namespace Caravan.Inventory.Products;

/// <summary>The body of <c>POST /api/v1/products</c>.</summary>
internal sealed partial record CreateProductRequest(string? Sku, string? Name, decimal? Price, int? Stock)
{
    public const int MaxSkuLength = 64;

    /// <summary>Validates every field; on success returns the sku with the values to store.</summary>
    public (string Sku, ProductValues Values)? Validate(FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var skuValid = errors.RequireText(Sku, "sku", MaxSkuLength)
            && errors.Check(SkuPattern().IsMatch(Sku!), "sku", "'sku' may contain only letters, digits, '-' and '_'.");
        var values = ProductValues.Validate(Name, Price, Stock, errors);
        return skuValid && values is not null ? (Sku!, values) : null;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex SkuPattern();
}

/// <summary>The body of <c>PUT /api/v1/products/{sku}</c>: every field is replaced; <c>stock</c> sets the available units.</summary>
internal sealed record UpdateProductRequest(string? Name, decimal? Price, int? Stock)
{
    public ProductValues? Validate(FieldErrors errors) => ProductValues.Validate(Name, Price, Stock, errors);
}

/// <summary>Validated product fields, ready to store: the price in cents, the stock as available units.</summary>
internal sealed record ProductValues(string Name, long PriceCents, int Stock)
{
    public const int MaxNameLength = 200;

    /// <summary>The highest price a product may have; keeps every cents value (and order total) far from overflow.</summary>
    public const decimal MaxPrice = 1_000_000m;

    public static ProductValues? Validate(string? name, decimal? price, int? stock, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var nameValid = errors.RequireText(name, "name", MaxNameLength);
        var priceValid = errors.Check(price is not null, "price", "'price' is required.")
            && errors.Check(price > 0m, "price", "'price' must be greater than 0.")
            && errors.Check(price <= MaxPrice, "price", $"'price' must be at most {MaxPrice}.")
            && errors.Check(Money.HasAtMostTwoDecimals(price!.Value), "price", "'price' must have at most 2 decimal places.");
        var stockValid = errors.Check(stock is not null, "stock", "'stock' is required.")
            && errors.Check(stock >= 0, "stock", "'stock' must be 0 or more.");
        return nameValid && priceValid && stockValid ? new ProductValues(name!.Trim(), Money.ToCents(price!.Value), stock!.Value) : null;
    }
}
