using System.Net;

namespace Caravan.AppHost.Tests.GraphQL;

/// <summary>Depth and complexity limits (<c>Caravan:Gateway:GraphQL</c>): a document over them is refused before any service is called.</summary>
public sealed class GraphQLLimitsTests : IAsyncLifetime
{
    private GraphQLGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GraphQLGateway.StartAsync(new Dictionary<string, string?>
    {
        ["Caravan:Gateway:GraphQL:MaxDepth"] = "6",
        ["Caravan:Gateway:GraphQL:MaxComplexity"] = "200",
    });

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task TooDeepQuery_IsRejected_WithoutCallingAnyService()
    {
        var answer = await _gateway.PostAsync("{ users { orders { user { orders { user { orders { id } } } } } } }");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.False(answer.Body.TryGetProperty("data", out _));
        var error = Assert.Single(answer.Errors);
        Assert.Contains("depth", error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Empty(_gateway.Shop.Calls);
    }

    [Fact]
    public async Task QueryWithinTheDepth_Runs()
    {
        _gateway.Shop.AddUser("Ada", "ada@example.com");

        var data = (await _gateway.PostAsync("{ users { orders { user { orders { id } } } } }")).AssertData();

        Assert.Single(data.GetProperty("users").EnumerateArray());
    }

    [Fact]
    public async Task TooComplexQuery_IsRejected_WithoutCallingAnyService()
    {
        // Shallow but wide: every list multiplies the fields below it.
        var answer = await _gateway.PostAsync(
            "{ a: users { id name email orders { id total status user { id name email } } } b: orders { id status user { id name orders { id } } } }");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var error = Assert.Single(answer.Errors);
        Assert.Contains("complexity", error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Empty(_gateway.Shop.Calls);
    }

    [Fact]
    public async Task TooDeepQuery_AskingForGraphQLResponse_Gets400()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/graphql", UriKind.Relative))
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { query = "{ users { orders { user { orders { user { orders { id } } } } } } }" }),
        };
        request.Headers.Accept.ParseAdd("application/graphql-response+json");

        var answer = await _gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("application/graphql-response+json", answer.MediaType);
        Assert.NotEmpty(answer.Errors);
    }
}
