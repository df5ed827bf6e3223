using Caravan.Messaging;
using Caravan.ServiceDefaults.Data;
using Caravan.ServiceDefaults.Paging;
using Caravan.ServiceDefaults.Problems;
using Caravan.Shipping.Shipments;
using Caravan.ServiceDefaults.Versioning;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Caravan.Shipping.Api;

/// <summary>
/// The read-only shipments API. Shipments are created and cancelled only through messages
/// (<c>CreateShipment</c>, <c>CancelShipment</c>). Lists are newest first and show every order
/// shipping knows about, tombstones included (with a null shipmentId).
/// </summary>
internal static class ShipmentsEndpoints
{
    private static readonly ReadModelTable<ShipmentRecord> Shipments =
        new("shipments", ShipmentRecord.Columns, "created_at DESC, order_id DESC", "shipment_id");

    public static void Map(IEndpointRouteBuilder routes)
    {
        var shipments = routes.MapApiResource("shipments").WithTags("Shipments");
        shipments.MapGet("", ListAsync).WithName("ListShipments").WithSummary("List shipments, newest first");
        shipments.MapGet("/{shipmentId:guid}", GetAsync).WithName("GetShipment").WithSummary("Read a shipment");
    }

    /// <summary><c>GET /api/v1/shipments?orderId=&amp;status=&amp;page=&amp;limit=</c>.</summary>
    private static async Task<Results<PageResult<ShipmentResponse>, ValidationProblem>> ListAsync(
        [FromQuery] string? orderId,
        [FromQuery] string? status,
        [FromQuery] string? page,
        [FromQuery] string? limit,
        IServiceDatabase database,
        CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var order = QueryValues.ReadGuid(orderId, "orderId", errors);
        var state = QueryValues.ReadEnum<ShipmentStatus>(status, "status", errors);
        var request = PageRequest.Parse(page, limit, errors);
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }

        var filter = new SqlFilter();
        filter.Add("order_id", order?.ToString());
        filter.Add("status", state?.ToString());
        return PageResults.Ok(await Shipments.ReadPageAsync(database, filter, request, ShipmentResponse.From, cancellationToken));
    }

    /// <summary><c>GET /api/v1/shipments/{shipmentId}</c>: 404 when no shipment has that id.</summary>
    private static async Task<Results<Ok<ShipmentResponse>, ProblemHttpResult>> GetAsync(
        Guid shipmentId, IServiceDatabase database, CancellationToken cancellationToken)
    {
        var row = await Shipments.FindAsync(database, shipmentId, cancellationToken);
        return row is null ? Problems.NotFound("Shipment", shipmentId) : TypedResults.Ok(ShipmentResponse.From(row));
    }
}
