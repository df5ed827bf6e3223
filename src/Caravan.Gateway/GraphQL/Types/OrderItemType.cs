using Caravan.Gateway.GraphQL.Services;
using GraphQL.Types;

namespace Caravan.Gateway.GraphQL.Types;

internal sealed class OrderItemType : ObjectGraphType<OrderItemData>
{
    public OrderItemType()
    {
        Name = "OrderItem";
        Field(item => item.Sku);
        Field(item => item.Quantity);
        Field(item => item.UnitPrice, nullable: true);
    }
}
