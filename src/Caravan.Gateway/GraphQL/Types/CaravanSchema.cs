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
    }
}
