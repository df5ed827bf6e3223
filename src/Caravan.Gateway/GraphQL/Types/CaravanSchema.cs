using GraphQL;
using GraphQL.Types;

namespace Caravan.Gateway.GraphQL.Types;

/// <summary>The gateway's GraphQL schema: Users and Orders behind one endpoint.</summary>
internal sealed class CaravanSchema : Schema
{
    public CaravanSchema(IServiceProvider services)
        : base(services)
    {
        Query = services.GetRequiredService<CaravanQuery>();
        Mutation = services.GetRequiredService<CaravanMutation>();

        // Introspection is answered from memory: it counts a tenth toward the complexity limit, enough
        // for the standard introspection query, while a document of a hundred aliased __schema is still refused.
        this.WithIntrospectionComplexityImpact(0.1);
    }
}
