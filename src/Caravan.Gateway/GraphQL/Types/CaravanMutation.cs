using Caravan.Gateway.GraphQL.Services;
using GraphQL;
using GraphQL.Types;

namespace Caravan.Gateway.GraphQL.Types;

/// <summary>
/// <c>createUser(name, email)</c> and <c>placeOrder(input, idempotencyKey)</c>. Input the service refuses
/// gives <c>success: false</c> with its field errors; a service that cannot answer gives a GraphQL error.
/// </summary>
internal sealed class CaravanMutation : ObjectGraphType
{
    public CaravanMutation()
    {
        Name = "Mutation";
        Field<NonNullGraphType<CreateUserPayloadType>>("createUser")
            .Argument<NonNullGraphType<StringGraphType>>("name")
            .Argument<NonNullGraphType<StringGraphType>>("email")
            .ResolveAsync(async context => await context.Service<UsersApi>().CreateAsync(
                context.GetArgument<string>("name"), context.GetArgument<string>("email"), context.CancellationToken));

        Field<NonNullGraphType<PlaceOrderPayloadType>>("placeOrder")
            .Description("Places an order; the same idempotencyKey with the same input returns the same order, never a second one.")
            .Argument<NonNullGraphType<PlaceOrderInputType>>("input")
            .Argument<NonNullGraphType<StringGraphType>>("idempotencyKey")
            .ResolveAsync(async context => await context.Service<OrdersApi>().PlaceAsync(
                context.GetArgument<Dictionary<string, object?>>("input"), context.GetArgument<string>("idempotencyKey"), context.CancellationToken));
    }
}
