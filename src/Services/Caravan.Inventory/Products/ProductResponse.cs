using Caravan.ServiceDefaults.Data;

namespace Caravan.Inventory.Products;

/// <summary>A product as the API shows it: <c>stock</c> is what can still be reserved.</summary>
internal sealed record ProductResponse(string Sku, string Name, decimal Price, long Stock, long Reserved, long Committed);

/// <summary>A products row as Dapper reads it.</summary>
internal sealed record ProductRow(string Sku, string Name, long PriceCents, long Available, long Reserved, long Committed)
{
    /// <summary>The select list that matches this record's constructor.</summary>
    public const string Columns = "sku AS Sku, name AS Name, price_cents AS PriceCents, available AS Available, reserved AS Reserved, committed AS Committed";

    public ProductResponse ToResponse() => new(Sku, Name, Money.FromCents(PriceCents), Available, Reserved, Committed);
}
