using System.Text.Json;
using Caravan.ServiceDefaults.Paging;
using Caravan.Messaging;
using Caravan.ServiceDefaults.Problems;
using Caravan.Users.Users;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Caravan.Users.Orders;

/// <summary>
/// <c>GET /api/v1/users/{id}/orders</c>: the user's orders, as the Orders service pages them. The user
/// must exist here first (404 otherwise); when Orders cannot answer the caller gets a 503 problem, never a 500.
/// </summary>
internal static class UserOrdersEndpoint
{
    public static RouteGroupBuilder MapUserOrdersEndpoint(this RouteGroupBuilder group)
    {
        group.MapGet("/{id}/orders", ListAsync).WithName("ListUserOrders").WithSummary("List a user's orders, as the Orders service pages them");
        return group;
    }

    private static async Task<Results<Ok<System.Text.Json.JsonElement>, ValidationProblem, ProblemHttpResult>> ListAsync(
        string id, string? page, string? limit, IServiceDatabase database, OrdersClient orders, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var request = PageRequest.Parse(page, limit, errors);
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }

        if (await UserEndpoints.FindAsync(database, id, cancellationToken) is not { } user)
        {
            return UserEndpoints.UserNotFound(id);
        }

        var answer = await orders.ListForUserAsync(user.Id, request, cancellationToken);
        if (answer.Body is { } body)
        {
            // Links name this resource, not the Orders URL the page came from.
            if (body.GetProperty("pagination").Deserialize<Pagination>(JsonSerializerOptions.Web) is { } pagination)
            {
                PageLinks.Add(http, pagination);
            }

            return TypedResults.Ok(body);
        }

        return TypedResults.Problem(
                title: "The orders service is unavailable.",
                detail: $"{answer.Failure} Try again shortly.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
