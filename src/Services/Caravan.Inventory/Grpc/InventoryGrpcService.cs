using Caravan.Inventory.Grpc.V1;
using Caravan.Inventory.Reservations;
using Caravan.Messaging;
using Grpc.Core;

namespace Caravan.Inventory.Grpc;

/// <summary>
/// <c>caravan.inventory.v1.Inventory</c> (see inventory.proto for the contract and its status codes).
/// Input is checked field by field before anything is read or written; Reserve and Release then run
/// <see cref="StockReservations"/> — the very code behind the saga's ReserveStock and ReleaseStock
/// messages — in one write transaction, so an order id gets the same answer whichever way it arrives.
/// </summary>
internal sealed class InventoryGrpcService(IServiceDatabase database, TimeProvider time, ILogger<InventoryGrpcService> logger) : V1.Inventory.InventoryBase
{
    public override async Task<GetStockResponse> GetStock(GetStockRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var skus = InventoryGrpcInput.Skus(request.Skus);
        await using var connection = await database.OpenConnectionAsync(context.CancellationToken);
        var stock = await new ReservationStore(connection, null).FindStockAsync(skus, context.CancellationToken);
        var unknown = skus.Where(sku => !stock.ContainsKey(sku)).ToList();
        if (unknown.Count > 0)
        {
            throw InventoryGrpcErrors.UnknownSkus(unknown);
        }

        var response = new GetStockResponse();
        response.Items.AddRange(skus.Select(sku => new StockLevel
        {
            Sku = sku,
            Available = stock[sku].Available,
            Reserved = stock[sku].Reserved,
            Committed = stock[sku].Committed,
        }));
        return response;
    }

    public override async Task<ReserveResponse> Reserve(ReserveRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var orderId = InventoryGrpcInput.OrderId(request.OrderId);
        var lines = InventoryGrpcInput.Lines(request.Items);
        ReserveOutcome outcome;
        await using (var transaction = await database.BeginTransactionAsync(context.CancellationToken))
        {
            var reservations = new StockReservations(new ReservationStore(transaction.Connection, transaction.Transaction), time, logger);
            outcome = await reservations.ReserveAsync(orderId, lines, context.CancellationToken);
            await transaction.CommitAsync(context.CancellationToken);
        }

        if (!outcome.Succeeded)
        {
            throw InventoryGrpcErrors.ReservationFailed(orderId, outcome.FailureReason!);
        }

        var response = new ReserveResponse
        {
            OrderId = orderId.ToString(),
            TotalCents = outcome.Reservation.TotalCents,
            Replayed = outcome.Replayed,
        };
        response.Lines.AddRange(outcome.Reservation.Lines.Select(line => new ReservedLine
        {
            Sku = line.Sku,
            Quantity = checked((int)line.Quantity),
            UnitPriceCents = line.UnitPriceCents,
        }));
        return response;
    }

    public override async Task<ReleaseResponse> Release(ReleaseRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var orderId = InventoryGrpcInput.OrderId(request.OrderId);
        Reservations.ReleaseOutcome outcome;
        await using (var transaction = await database.BeginTransactionAsync(context.CancellationToken))
        {
            var reservations = new StockReservations(new ReservationStore(transaction.Connection, transaction.Transaction), time, logger);
            outcome = await reservations.ReleaseAsync(orderId, context.CancellationToken);
            await transaction.CommitAsync(context.CancellationToken);
        }

        return new ReleaseResponse
        {
            OrderId = orderId.ToString(),
            Outcome = outcome switch
            {
                Reservations.ReleaseOutcome.Released => V1.ReleaseOutcome.Released,
                Reservations.ReleaseOutcome.ReleasedBeforeReserve => V1.ReleaseOutcome.ReleasedBeforeReserve,
                Reservations.ReleaseOutcome.AlreadyReleased => V1.ReleaseOutcome.AlreadyReleased,
                Reservations.ReleaseOutcome.AlreadyCommitted => V1.ReleaseOutcome.AlreadyCommitted,
                _ => V1.ReleaseOutcome.Unspecified,
            },
        };
    }
}
