using Caravan.Gateway.GraphQL.Services;

namespace Caravan.Gateway.GraphQL.Batching;

/// <summary>
/// The batch loaders of one GraphQL request (a scoped service; the endpoint runs each request in the
/// HTTP request's scope): users by id, one call to Users per 100 ids, and orders by user, one call to
/// Orders for all the users of a page.
/// </summary>
internal sealed class RequestLoaders(UsersApi users, OrdersApi orders)
{
    public BatchLoader<Guid, UserData> UsersById { get; } = new(users.FindManyAsync);

    public BatchLoader<Guid, IReadOnlyList<OrderData>> OrdersByUser { get; } = new(orders.ListByUsersAsync);
}
