using GraphQL.Types;

namespace Caravan.Gateway.GraphQL.Types;

/// <summary>An input error of a mutation: the field (as the service names it, e.g. <c>items[0].quantity</c>) and why.</summary>
internal sealed class FieldErrorType : ObjectGraphType<FieldError>
{
    public FieldErrorType()
    {
        Name = "FieldError";
        Field(error => error.Field, nullable: true);
        Field(error => error.Message);
    }
}
