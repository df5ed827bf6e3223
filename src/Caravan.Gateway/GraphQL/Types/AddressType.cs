using Caravan.Gateway.GraphQL.Services;
using GraphQL.Types;

namespace Caravan.Gateway.GraphQL.Types;

internal sealed class AddressType : ObjectGraphType<AddressData>
{
    public AddressType()
    {
        Name = "Address";
        Field(address => address.Line1);
        Field(address => address.City);
        Field(address => address.PostalCode);
        Field(address => address.Country);
    }
}
