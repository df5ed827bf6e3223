using Caravan.Gateway.GraphQL.Services;
using GraphQL.Types;

namespace Caravan.Gateway.GraphQL.Types;

/// <summary><c>type User { id name email orders createdAt updatedAt }</c>; <c>orders</c> is batched per request.</summary>
internal sealed class UserType : ObjectGraphType<UserData>
{
    public UserType()
    {
        Name = "User";
        Description = "A customer, from the Users service.";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(context => context.Source.Id);
        Field(user => user.Name);
        Field(user => user.Email);
        Field<ListGraphType<NonNullGraphType<OrderType>>>("orders")
            .Description("The user's orders, oldest first (fetched for all users of the response in one call to Orders).")
            .Resolve(context => context.Loaders().OrdersByUser.Load(context.Source.Id));
        Field(user => user.CreatedAt);
        Field(user => user.UpdatedAt);
    }
}
