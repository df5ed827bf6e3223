using System.Text.Json;
using Caravan.Contracts;

namespace Caravan.Shipping.Shipments;

/// <summary>One row of <c>shipments</c>, as stored (ids and times as text, address and items as JSON).</summary>
internal sealed record ShipmentRecord(
    string OrderId,
    string? ShipmentId,
    string Status,
    string? Reason,
    string? Address,
    string? Items,
    string CreatedAt,
    string UpdatedAt)
{
    /// <summary>The columns in the order of the constructor, named like its parameters, so Dapper maps a SELECT of them onto this record.</summary>
    public const string Columns = "order_id AS OrderId, shipment_id AS ShipmentId, status AS Status, reason AS Reason, address AS Address, items AS Items, created_at AS CreatedAt, updated_at AS UpdatedAt";

    /// <summary>camelCase, as the API shows them: <c>{"line1","city","postalCode","country"}</c> and <c>[{"sku","quantity"}]</c>.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public ShipmentStatus ShipmentStatus => Enum.Parse<ShipmentStatus>(Status);

    public Address? ParsedAddress => Address is null ? null : JsonSerializer.Deserialize<Address>(Address, Json);

    public IReadOnlyList<OrderLine> ParsedItems => Items is null ? [] : JsonSerializer.Deserialize<List<OrderLine>>(Items, Json) ?? [];
}
