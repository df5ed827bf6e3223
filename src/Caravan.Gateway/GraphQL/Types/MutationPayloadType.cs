using Caravan.Gateway.GraphQL.Services;
using GraphQL.Types;

namespace Caravan.Gateway.GraphQL.Types;

/// <summary><c>{ &lt;entity&gt; success errors }</c>: what a mutation returns, whether or not its input was valid.</summary>
internal abstract class MutationPayloadType<TEntity, TEntityType> : ObjectGraphType<MutationResult<TEntity>>
    where TEntity : class
    where TEntityType : IGraphType
{
    protected MutationPayloadType(string name, string entityField)
    {
        Name = name;
        Field<TEntityType>(entityField).Resolve(context => context.Source.Entity);
        Field(result => result.Success);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<FieldErrorType>>>>("errors")
            .Description("Why the input was refused; empty on success.")
            .Resolve(context => context.Source.Errors);
    }
}

internal sealed class CreateUserPayloadType() : MutationPayloadType<UserData, UserType>("CreateUserPayload", "user");

internal sealed class PlaceOrderPayloadType() : MutationPayloadType<OrderData, OrderType>("PlaceOrderPayload", "order");
