using System.Text.Json;
using Caravan.Contracts;
using Caravan.Messaging;
using Caravan.ServiceDefaults.Data;
using Dapper;

namespace Caravan.Shipping.Shipments;

/// <summary>
/// The writes of the shipment handlers, inside the handler's transaction. Each is conditional
/// (ON CONFLICT DO NOTHING, or an UPDATE guarded by the expected status) and reports whether it
/// happened, so a handler that loses a race with another process re-reads instead of acting twice.
/// </summary>
internal sealed class ShipmentStore(TimeProvider timeProvider)
{
    public static async Task<ShipmentRecord?> FindAsync(MessageSession session, Guid orderId, CancellationToken cancellationToken) =>
        await session.Connection.QuerySingleOrDefaultAsync<ShipmentRecord>(new CommandDefinition(
            $"SELECT {ShipmentRecord.Columns} FROM shipments WHERE order_id = @orderId",
            new { orderId = orderId.ToString() },
            session.Transaction,
            cancellationToken: cancellationToken));

    /// <summary>Inserts the order's first row; false when the order already has one.</summary>
    public async Task<bool> TryInsertAsync(
        MessageSession session,
        Guid orderId,
        Guid? shipmentId,
        ShipmentStatus status,
        string? reason,
        Address? address,
        IReadOnlyList<OrderLine>? items,
        CancellationToken cancellationToken)
    {
        var now = Timestamps.ToText(timeProvider.GetUtcNow());
        var inserted = await session.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO shipments (order_id, shipment_id, status, reason, address, items, created_at, updated_at)
            VALUES (@orderId, @shipmentId, @status, @reason, @address, @items, @now, @now)
            ON CONFLICT (order_id) DO NOTHING
            """,
            new
            {
                orderId = orderId.ToString(),
                shipmentId = shipmentId?.ToString(),
                status = status.ToString(),
                reason,
                address = address is null ? null : JsonSerializer.Serialize(address, ShipmentRecord.Json),
                items = items is null ? null : JsonSerializer.Serialize(items, ShipmentRecord.Json),
                now,
            },
            session.Transaction,
            cancellationToken: cancellationToken));
        return inserted == 1;
    }

    /// <summary>Cancels a created shipment; false when the order's shipment was no longer <c>Created</c>.</summary>
    public async Task<bool> TryCancelAsync(MessageSession session, Guid orderId, string reason, CancellationToken cancellationToken)
    {
        var changed = await session.Connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE shipments SET status = 'Cancelled', reason = @reason, updated_at = @now
            WHERE order_id = @orderId AND status = 'Created'
            """,
            new { orderId = orderId.ToString(), reason, now = Timestamps.ToText(timeProvider.GetUtcNow()) },
            session.Transaction,
            cancellationToken: cancellationToken));
        return changed == 1;
    }
}
