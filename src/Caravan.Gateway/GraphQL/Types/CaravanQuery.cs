using Caravan.Gateway.GraphQL.Services;
using GraphQL;
using GraphQL.Types;

namespace Caravan.Gateway.GraphQL.Types;

/// <summary><c>users(page, limit)</c>, <c>user(id)</c>, <c>orders(status, userId, page, limit)</c>, <c>order(id)</c>.</summary>
internal sealed class CaravanQuery : ObjectGraphType
{
    public CaravanQuery()
    {
        Name = "Query";
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserType>>>>("users")
            .Description("One page of users, oldest first.")
            .Argument<IntGraphType>("page", "From 1; default 1.")
            .Argument<IntGraphType>("limit", "1 to 100; default 20.")
            .ResolveAsync(async context =>
            {
                var (page, limit) = context.PageArguments();
                return (await context.Service<UsersApi>().ListAsync(page, limit, context.CancellationToken)).Data;
            });

        Field<UserType>("user")
            .Description("One user; null with a NOT_FOUND error when there is none with that id.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async context =>
                await context.Service<UsersApi>().GetAsync(context.GuidArgument("id")!.Value, context.CancellationToken));

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<OrderType>>>>("orders")
            .Description("One page of orders, oldest first, optionally of one status and one user.")
            .Argument<StringGraphType>("status", "Pending, Compensating, Confirmed or Cancelled.")
            .Argument<IdGraphType>("userId")
            .Argument<IntGraphType>("page", "From 1; default 1.")
            .Argument<IntGraphType>("limit", "1 to 100; default 20.")
            .ResolveAsync(async context =>
            {
                var (page, limit) = context.PageArguments();
                var orders = await context.Service<OrdersApi>().ListAsync(
                    context.GetArgument<string?>("status"), context.GuidArgument("userId"), page, limit, context.CancellationToken);
                return orders.Data;
            });

        Field<OrderType>("order")
            .Description("One order with its saga steps; null with a NOT_FOUND error when there is none with that id.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async context =>
                await context.Service<OrdersApi>().GetAsync(context.GuidArgument("id")!.Value, context.CancellationToken));
    }
}
