using Caravan.ServiceDefaults.Problems;

namespace Caravan.Services.Tests.ServiceDefaults;

public sealed class QueryValuesTests
{
    private enum Colour
    {
        Red,
        Green,
    }

    [Fact]
    public void ReadGuid_TreatsEmptyAsAbsent_AndNamesTheFieldOfAMalformedValue()
    {
        var errors = new FieldErrors();
        var id = Guid.NewGuid();

        Assert.Equal(id, QueryValues.ReadGuid(id.ToString(), "orderId", errors));
        Assert.Null(QueryValues.ReadGuid("", "orderId", errors));
        Assert.Null(QueryValues.ReadGuid(null, "orderId", errors));
        Assert.True(errors.IsEmpty);

        Assert.Null(QueryValues.ReadGuid("not-a-guid", "userId", errors));
        Assert.Equal(["'userId' must be a GUID."], Errors(errors)["userId"]);
    }

    [Fact]
    public void ReadEnum_AcceptsNamesIgnoringCase_ButNotNumbers()
    {
        var errors = new FieldErrors();

        Assert.Equal(Colour.Green, QueryValues.ReadEnum<Colour>("green", "colour", errors));
        Assert.Null(QueryValues.ReadEnum<Colour>(null, "colour", errors));
        Assert.True(errors.IsEmpty);

        Assert.Null(QueryValues.ReadEnum<Colour>("1", "colour", errors));
        Assert.Equal(["'colour' must be one of: Red, Green."], Errors(errors)["colour"]);
    }

    private static IDictionary<string, string[]> Errors(FieldErrors errors) => errors.ToProblem().ProblemDetails.Errors;
}
