using Caravan.Contracts;
using Caravan.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Caravan.Inventory.Reservations;

/// <summary><c>GET /api/v1/reservations/{orderId}</c>: what Inventory holds for an order, for demos and end-to-end checks.</summary>
internal static class ReservationEndpoints
{
    public static RouteGroupBuilder MapReservationEndpoints(this RouteGroupBuilder group)
    {
        group.MapGet("/{orderId}", GetAsync).WithName("GetReservation").WithSummary("Read what Inventory holds for an order");
        return group;
    }

    private static async Task<Results<Ok<ReservationResponse>, ProblemHttpResult>> GetAsync(
        string orderId, IServiceDatabase database, CancellationToken cancellationToken)
    {
        if (Guid.TryParse(orderId, out var id))
        {
            await using var connection = await database.OpenConnectionAsync(cancellationToken);
            if (await new ReservationStore(connection, null).FindAsync(id, cancellationToken) is { } reservation)
            {
                return TypedResults.Ok(new ReservationResponse(
                    reservation.OrderId,
                    reservation.Status.ToString(),
                    reservation.Reason,
                    [.. reservation.Lines.Select(line => line.ToPricedLine())]));
            }
        }

        return TypedResults.Problem(
            title: "Reservation not found.", detail: $"Inventory holds no record of order '{orderId}'.", statusCode: StatusCodes.Status404NotFound);
    }
}

/// <summary>An order's reservation as the API shows it.</summary>
internal sealed record ReservationResponse(Guid OrderId, string Status, string? Reason, IReadOnlyList<PricedLine> Lines);
