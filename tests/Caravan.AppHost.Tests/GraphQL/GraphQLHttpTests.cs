using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace Caravan.AppHost.Tests.GraphQL;

/// <summary><c>/graphql</c> as an HTTP endpoint: GET and POST, media types, and requests it cannot read.</summary>
public sealed class GraphQLHttpTests : IAsyncLifetime
{
    private GraphQLGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GraphQLGateway.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Get_RunsAQuery_WithVariables()
    {
        var ada = _gateway.Shop.AddUser("Ada", "ada@example.com");
        var query = Uri.EscapeDataString("query One($id: ID!) { user(id: $id) { name } }");
        var variables = Uri.EscapeDataString($"{{\"id\":\"{ada.Id}\"}}");

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/graphql?query={query}&variables={variables}&operationName=One", UriKind.Relative));
        var answer = await _gateway.SendAsync(request);

        Assert.Equal("application/json", answer.MediaType);
        Assert.Equal("Ada", answer.AssertData().GetProperty("user").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Get_Mutation_Gets405_AndNothingIsCalled()
    {
        var query = Uri.EscapeDataString("mutation { createUser(name: \"Ada\", email: \"ada@example.com\") { success } }");

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/graphql?query={query}", UriKind.Relative));
        var answer = await _gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, answer.Status);
        Assert.Equal("application/problem+json", answer.MediaType);
        Assert.Empty(_gateway.Shop.Calls);
    }

    [Fact]
    public async Task Post_AcceptingGraphQLResponse_IsAnsweredInThatMediaType()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/graphql", UriKind.Relative))
        {
            Content = JsonContent.Create(new { query = "{ users { id } }" }),
        };
        request.Headers.Accept.ParseAdd("application/graphql-response+json, application/json;q=0.9");

        var answer = await _gateway.SendAsync(request);

        Assert.Equal("application/graphql-response+json", answer.MediaType);
        Assert.Empty(answer.AssertData().GetProperty("users").EnumerateArray());
    }

    [Fact]
    public async Task UnknownField_IsAValidationError_With200ForApplicationJson()
    {
        var answer = await _gateway.PostAsync("{ users { password } }");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("application/json", answer.MediaType);
        Assert.Contains("password", Assert.Single(answer.Errors).GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(_gateway.Shop.Calls);
    }

    [Fact]
    public async Task SyntaxError_IsAGraphQLError()
    {
        var answer = await _gateway.PostAsync("{ users { id ");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.NotNull(Assert.Single(answer.ErrorCodes));
    }

    [Theory]
    [InlineData("{\"query\": ")]
    [InlineData("{\"query\": 42}")]
    [InlineData("[{\"query\": \"{ users { id } }\"}]")]
    [InlineData("{\"query\": \"{ users { id } }\", \"variables\": \"id\"}")]
    [InlineData("{}")]
    [InlineData("{\"query\": \"  \"}")]
    [InlineData("")]
    public async Task UnreadableRequest_Gets400Problem(string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/graphql", UriKind.Relative))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };

        var answer = await _gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("application/problem+json", answer.MediaType);
        Assert.Equal(400, answer.Body.GetProperty("status").GetInt32());
        Assert.True(answer.Body.GetProperty("errors").EnumerateObject().Any());
    }

    [Fact]
    public async Task Get_MalformedVariables_Gets400Problem()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/graphql?query=%7B%20users%20%7B%20id%20%7D%20%7D&variables=%7Bnope", UriKind.Relative));

        var answer = await _gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("application/problem+json", answer.MediaType);
    }

    [Fact]
    public async Task Post_NotJson_Gets415Problem()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/graphql", UriKind.Relative))
        {
            Content = new StringContent("{ users { id } }", Encoding.UTF8, "application/graphql"),
        };

        var answer = await _gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, answer.Status);
        Assert.Equal("application/problem+json", answer.MediaType);
    }

    [Fact]
    public async Task AcceptingNeitherMediaType_Gets406Problem()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/graphql", UriKind.Relative))
        {
            Content = JsonContent.Create(new { query = "{ users { id } }" }),
        };
        request.Headers.Accept.ParseAdd("text/html");

        var answer = await _gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotAcceptable, answer.Status);
        Assert.Empty(_gateway.Shop.Calls);
    }

    [Fact]
    public async Task DeeplyNestedDocument_IsAnError_NotA500()
    {
        var query = string.Concat(Enumerable.Repeat("{ users ", 5000)) + string.Concat(Enumerable.Repeat("}", 5000));

        var answer = await _gateway.PostAsync(query);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.NotEmpty(answer.Errors);
        Assert.Empty(_gateway.Shop.Calls);
    }

    [Fact]
    public async Task DeeplyNestedVariables_Get400Problem()
    {
        var variables = "{\"v\":" + string.Concat(Enumerable.Repeat("[", 1000)) + string.Concat(Enumerable.Repeat("]", 1000)) + "}";
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/graphql", UriKind.Relative))
        {
            Content = new StringContent($"{{\"query\":\"{{ users {{ id }} }}\",\"variables\":{variables}}}", Encoding.UTF8, "application/json"),
        };

        var answer = await _gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("application/problem+json", answer.MediaType);
    }

    [Fact]
    public async Task Introspection_DescribesTheSchema()
    {
        var data = (await _gateway.PostAsync("{ __type(name: \"Order\") { fields { name type { kind ofType { name } } } } }")).AssertData();

        var fields = data.GetProperty("__type").GetProperty("fields").EnumerateArray().Select(field => field.GetProperty("name").GetString()).ToList();
        Assert.Superset(new HashSet<string?> { "id", "userId", "total", "status", "user", "items", "steps", "createdAt", "updatedAt" }, fields.ToHashSet());
    }

    [Fact]
    public async Task StandardIntrospectionQuery_IsWithinTheLimits()
    {
        const string typeRef = "kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }";
        var query = $"{{ __schema {{ queryType {{ name }} mutationType {{ name }} types {{ kind name fields(includeDeprecated: true) {{ name args {{ name type {{ {typeRef} }} }} type {{ {typeRef} }} }} inputFields {{ name type {{ {typeRef} }} }} }} }} }}";

        var data = (await _gateway.PostAsync(query)).AssertData();

        Assert.Equal("Mutation", data.GetProperty("__schema").GetProperty("mutationType").GetProperty("name").GetString());
    }
}
