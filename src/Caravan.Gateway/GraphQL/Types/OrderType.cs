using Caravan.Gateway.GraphQL.Services;
using GraphQL.Types;

namespace Caravan.Gateway.GraphQL.Types;

/// <summary>
/// <c>type Order { id userId total status user items steps reason shippingAddress createdAt updatedAt }</c>;
/// <c>user</c> is batched per request, <c>steps</c> is only known for an order read on its own (<c>order(id)</c>).
/// </summary>
internal sealed class OrderType : ObjectGraphType<OrderData>
{
    public OrderType()
    {
        Name = "Order";
        Description = "An order, from the Orders service.";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(context => context.Source.Id);
        Field<NonNullGraphType<IdGraphType>>("userId").Resolve(context => context.Source.UserId);
        Field(order => order.Total, nullable: true).Description("The total once the prices are known.");
        Field(order => order.Status).Description("Pending, Compensating, Confirmed or Cancelled.");
        Field<UserType>("user")
            .Description("The user who placed the order (fetched for all orders of the response in one call to Users).")
            .Resolve(context => context.Loaders().UsersById.Load(context.Source.UserId));
        Field<ListGraphType<NonNullGraphType<OrderItemType>>>("items").Resolve(context => context.Source.Items);
        Field<ListGraphType<NonNullGraphType<OrderStepType>>>("steps")
            .Description("The saga's steps; null in lists, known when the order is read with order(id).")
            .Resolve(context => context.Source.Steps);
        Field(order => order.Reason, nullable: true).Description("Why the order was cancelled, if it was.");
        Field<AddressType>("shippingAddress").Resolve(context => context.Source.ShippingAddress);
        Field(order => order.CreatedAt);
        Field(order => order.UpdatedAt);
    }
}
