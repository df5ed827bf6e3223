using GraphQL.Types;

namespace Caravan.Gateway.GraphQL.Types;

// The input of placeOrder, shaped as the body of POST /api/v1/orders, which is sent as it is read (a
// dictionary): the Orders service validates it and names each wrong field.

internal sealed class PlaceOrderInputType : InputObjectGraphType
{
    public PlaceOrderInputType()
    {
        Name = "PlaceOrderInput";
        Field<NonNullGraphType<IdGraphType>>("userId");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<OrderItemInputType>>>>("items");
        Field<NonNullGraphType<PaymentInputType>>("payment");
        Field<NonNullGraphType<AddressInputType>>("shippingAddress");
    }
}

internal sealed class OrderItemInputType : InputObjectGraphType
{
    public OrderItemInputType()
    {
        Name = "OrderItemInput";
        Field<NonNullGraphType<StringGraphType>>("sku");
        Field<NonNullGraphType<IntGraphType>>("quantity");
    }
}

internal sealed class PaymentInputType : InputObjectGraphType
{
    public PaymentInputType()
    {
        Name = "PaymentInput";
        Field<NonNullGraphType<StringGraphType>>("cardNumber");
    }
}

internal sealed class AddressInputType : InputObjectGraphType
{
    public AddressInputType()
    {
        Name = "AddressInput";
        Field<NonNullGraphType<StringGraphType>>("line1");
        Field<NonNullGraphType<StringGraphType>>("city");
        Field<NonNullGraphType<StringGraphType>>("postalCode");
        Field<NonNullGraphType<StringGraphType>>("country");
    }
}
