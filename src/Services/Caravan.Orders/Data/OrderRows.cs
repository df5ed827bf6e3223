using System.Text.Json;
using Caravan.Contracts;
using Caravan.ServiceDefaults.Data;
using Dapper;

namespace Caravan.Orders.Data;

/// <summary>One row of the orders table, as stored.</summary>
internal sealed record OrderRow(
    string Id,
    string UserId,
    string Status,
    long? TotalCents,
    string Items,
    string ShippingAddress,
    string? Reason,
    string IdempotencyKey,
    string RequestHash,
    string CreatedAt,
    string UpdatedAt)
{
    public const string Columns =
        "id AS Id, user_id AS UserId, status AS Status, total_cents AS TotalCents, items AS Items, shipping_address AS ShippingAddress, " +
        "reason AS Reason, idempotency_key AS IdempotencyKey, request_hash AS RequestHash, created_at AS CreatedAt, updated_at AS UpdatedAt";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public IReadOnlyList<OrderLine> ReadItems() => JsonSerializer.Deserialize<List<OrderLine>>(Items, Json) ?? [];

    public Address ReadAddress() => JsonSerializer.Deserialize<Address>(ShippingAddress, Json)!;
}

/// <summary>The SQL of the orders table.</summary>
internal static class OrderSql
{
    public static Task<OrderRow?> FindAsync(System.Data.Common.DbConnection connection, Guid id, System.Data.Common.DbTransaction? transaction, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<OrderRow>(new CommandDefinition(
            $"SELECT {OrderRow.Columns} FROM orders WHERE id = @id", new { id = id.ToString() }, transaction, cancellationToken: cancellationToken));

    public static Task<OrderRow?> FindByKeyAsync(System.Data.Common.DbConnection connection, string key, System.Data.Common.DbTransaction? transaction, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<OrderRow>(new CommandDefinition(
            $"SELECT {OrderRow.Columns} FROM orders WHERE idempotency_key = @key", new { key }, transaction, cancellationToken: cancellationToken));

    public static Task<int> SetStatusAsync(
        System.Data.Common.DbConnection connection,
        System.Data.Common.DbTransaction transaction,
        Guid id,
        OrderStatus status,
        decimal? total,
        string? reason,
        DateTimeOffset now,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE orders SET status = @status, total_cents = COALESCE(@total, total_cents), reason = @reason, updated_at = @now
            WHERE id = @id
            """,
            new
            {
                id = id.ToString(),
                status = status.ToString(),
                total = total is { } value ? Money.ToCents(value) : (long?)null,
                reason,
                now = Timestamps.ToText(now),
            },
            transaction,
            cancellationToken: cancellationToken));
}
