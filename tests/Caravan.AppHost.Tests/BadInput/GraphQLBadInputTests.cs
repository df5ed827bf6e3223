using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Caravan.AppHost.Tests.BadInput;

/// <summary>
/// Bad GraphQL through the gateway's <c>/graphql</c>: documents that do not parse or validate and
/// arguments the gateway refuses answer in the GraphQL error format (200, <c>application/json</c>,
/// <c>errors[].extensions.code</c>, the field in <c>extensions.details</c>); mutations whose input a
/// service refuses answer <c>success: false</c> with the field. Nothing is written either way.
/// (Requests <c>/graphql</c> cannot read at all are problems, in <see cref="BadRequestCases"/>.)
/// </summary>
[Collection(BadInputCollection.Name)]
public sealed class GraphQLBadInputTests(BadInputFixture fixture)
{
    private const string BadUserInput = "BAD_USER_INPUT";

    /// <summary>Name → (document, an expected code or null for any of GraphQL.NET's own, the field named or null).</summary>
    private static readonly Dictionary<string, (string Query, string? Code, string? Field)> s_errors = new(StringComparer.Ordinal)
    {
        ["a document that does not parse"] = ("{ users { id ", null, null),
        ["an unknown field"] = ("{ users { id password } }", null, null),
        ["limit is a string"] = ("{ users(limit: \"abc\") { id } }", null, null),
        ["limit 1e309"] = ("{ users(limit: 1e309) { id } }", null, null),
        ["limit 2147483648"] = ("{ users(limit: 2147483648) { id } }", null, null),
        ["limit 0"] = ("{ users(limit: 0) { id } }", BadUserInput, "limit"),
        ["limit 101"] = ("{ users(limit: 101) { id } }", BadUserInput, "limit"),
        ["page -1"] = ("{ orders(page: -1) { id } }", BadUserInput, "page"),
        ["user(id) not a GUID"] = ("{ user(id: \"not-a-guid\") { id } }", BadUserInput, "id"),
        ["user(id) SQL-like"] = ("{ user(id: " + BadRequestCases.Quote(BadRequestCases.Sql) + ") { id } }", BadUserInput, "id"),
        ["order(id) script"] = ("{ order(id: " + BadRequestCases.Quote(BadRequestCases.Script) + ") { id } }", BadUserInput, "id"),
        ["orders(userId) not a GUID"] = ("{ orders(userId: \"x\") { id } }", BadUserInput, "userId"),
        ["createUser without email"] = ("mutation { createUser(name: \"N\") { success } }", null, null),
        ["createUser name is a number"] = ("mutation { createUser(name: 5, email: \"g5@example.com\") { success } }", null, null),
        ["a query nested too deep"] = ("{ users { orders { user { orders { user { orders { user { orders { user { orders { user { id } } } } } } } } } } } }", "COMPLEXITY", null),
    };

    /// <summary>Name → (mutation, the field its payload must name).</summary>
    private static readonly Dictionary<string, (string Mutation, string Field)> s_refusedMutations = new(StringComparer.Ordinal)
    {
        ["createUser with an invalid email"] = ("createUser(name: \"N\", email: \"not-an-email\") { success errors { field message } }", "email"),
        ["createUser with an SQL-like email"] = ("createUser(name: \"N\", email: " + BadRequestCases.Quote(BadRequestCases.Sql) + ") { success errors { field message } }", "email"),
        ["createUser with a blank name"] = ("createUser(name: \" \", email: \"gql-blank@example.com\") { success errors { field message } }", "name"),
        ["placeOrder with quantity -1"] = (PlaceOrder("-1"), "items[0].quantity"),
        ["placeOrder with quantity 0"] = (PlaceOrder("0"), "items[0].quantity"),
    };

    public static TheoryData<string> ErrorCases => [.. s_errors.Keys];

    public static TheoryData<string> RefusedMutations => [.. s_refusedMutations.Keys];

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public async Task BadDocument_GetsGraphQLErrorsWithCodes_AndNothingIsWritten(string name)
    {
        var (query, code, field) = s_errors[name];
        var before = await fixture.ReadStateAsync();

        var answer = await PostAsync(query);

        var errors = answer.GetProperty("errors").EnumerateArray().ToList();
        Assert.NotEmpty(errors);
        var codes = errors.Select(error => error.TryGetProperty("extensions", out var extensions) && extensions.TryGetProperty("code", out var value) ? value.GetString() : null).ToList();
        Assert.All(codes, actual => Assert.False(string.IsNullOrEmpty(actual), $"An error carries no code: {answer}"));
        if (code is not null)
        {
            Assert.Contains(code, codes);
        }

        if (field is not null)
        {
            var named = errors
                .Where(error => error.GetProperty("extensions").TryGetProperty("details", out _))
                .SelectMany(error => error.GetProperty("extensions").GetProperty("details").EnumerateArray())
                .Select(detail => detail.GetProperty("field").GetString());
            Assert.Contains(field, named);
        }

        before.AssertUnchanged(await fixture.ReadStateAsync());
    }

    [Theory]
    [MemberData(nameof(RefusedMutations))]
    public async Task RefusedMutation_AnswersSuccessFalseNamingTheField_AndNothingIsWritten(string name)
    {
        var (mutation, field) = s_refusedMutations[name];
        var before = await fixture.ReadStateAsync();

        var answer = await PostAsync(fixture.Fill("mutation { " + mutation + " }"));

        Assert.False(answer.TryGetProperty("errors", out var errors) && errors.GetArrayLength() > 0, $"Unexpected errors: {answer}");
        var payload = answer.GetProperty("data").EnumerateObject().Single().Value;
        Assert.False(payload.GetProperty("success").GetBoolean());
        Assert.Contains(field, payload.GetProperty("errors").EnumerateArray().Select(error => error.GetProperty("field").GetString()));
        before.AssertUnchanged(await fixture.ReadStateAsync());
    }

    private static string PlaceOrder(string quantity) =>
        "placeOrder(idempotencyKey: \"gql-bad-" + quantity + "\", input: { userId: \"{userId}\", items: [{ sku: \"{sku}\", quantity: " + quantity
        + " }], payment: { cardNumber: \"4242424242424242\" }, shippingAddress: { line1: \"1 Main St\", city: \"Berlin\", postalCode: \"10115\", country: \"DE\" } })"
        + " { success errors { field message } }";

    private async Task<JsonElement> PostAsync(string query)
    {
        using var response = await fixture.Client.PostAsJsonAsync(new Uri("/graphql", UriKind.Relative), new { query });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonSerializer.Deserialize<JsonElement>(body);
    }
}
