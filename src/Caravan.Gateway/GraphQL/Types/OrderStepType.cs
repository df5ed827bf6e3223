using Caravan.Gateway.GraphQL.Services;
using GraphQL.Types;

namespace Caravan.Gateway.GraphQL.Types;

/// <summary>One saga step of an order: its name, status and, when it failed or is stuck, the reason.</summary>
internal sealed class OrderStepType : ObjectGraphType<OrderStepData>
{
    public OrderStepType()
    {
        Name = "OrderStep";
        Field(step => step.Name);
        Field(step => step.Status);
        Field(step => step.Reason, nullable: true);
    }
}
