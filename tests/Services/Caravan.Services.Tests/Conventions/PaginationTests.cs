using System.Net;
using Caravan.Services.Tests.Users;

namespace Caravan.Services.Tests.Conventions;

/// <summary>Pagination and its Link header at the edges, on a real list endpoint (Users).</summary>
public sealed class PaginationTests : IAsyncLifetime, IDisposable
{
    private readonly TestDirectory _directory = new();
    private ServiceHost _host = null!;

    private HttpClient Client => _host.Client;

    public async Task InitializeAsync() => _host = await UsersHost.StartAsync(_directory);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task AnEmptyCollection_HasZeroPages_AndLinksOnlyToPage1()
    {
        using var response = await Client.GetAsync("/api/v1/users");

        var body = await AssertPageAsync(response, page: 1, limit: 20, total: 0, pages: 0, count: 0);
        Assert.Equal(0, body.GetProperty("data").GetArrayLength());
        var links = Links(response);
        Assert.Equal(["first", "last"], links.Keys);
        Assert.Equal("/api/v1/users?page=1&limit=20", links["last"]);
    }

    [Fact]
    public async Task AnExactlyFullLastPage_HasPrevButNoNext()
    {
        await CreateUsersAsync(4);

        using var response = await Client.GetAsync("/api/v1/users?page=2&limit=2");

        await AssertPageAsync(response, page: 2, limit: 2, total: 4, pages: 2, count: 2);
        var links = Links(response);
        Assert.Equal(["first", "prev", "last"], links.Keys);
        Assert.Equal("/api/v1/users?page=1&limit=2", links["prev"]);
        Assert.Equal("/api/v1/users?page=2&limit=2", links["last"]);
    }

    [Fact]
    public async Task TheFirstOfSeveralPages_HasNextButNoPrev()
    {
        await CreateUsersAsync(3);

        using var response = await Client.GetAsync("/api/v1/users?limit=2");

        await AssertPageAsync(response, page: 1, limit: 2, total: 3, pages: 2, count: 2);
        var links = Links(response);
        Assert.Equal(["first", "next", "last"], links.Keys);
        Assert.Equal("/api/v1/users?page=2&limit=2", links["next"]);
    }

    [Fact]
    public async Task APageBeyondTheLast_IsEmpty_WithTheRealTotals_AndPrevPointsAtTheLastPage()
    {
        await CreateUsersAsync(3);

        using var response = await Client.GetAsync("/api/v1/users?page=5&limit=2");

        await AssertPageAsync(response, page: 5, limit: 2, total: 3, pages: 2, count: 0);
        var links = Links(response);
        Assert.Equal(["first", "prev", "last"], links.Keys);
        Assert.Equal("/api/v1/users?page=2&limit=2", links["prev"]);
    }

    [Fact]
    public async Task LimitAtTheMaximum_IsAccepted()
    {
        await CreateUsersAsync(2);

        using var response = await Client.GetAsync("/api/v1/users?limit=100");

        await AssertPageAsync(response, page: 1, limit: 100, total: 2, pages: 1, count: 2);
    }

    [Theory]
    [InlineData("limit=101", "limit")]
    [InlineData("limit=0", "limit")]
    [InlineData("page=0", "page")]
    [InlineData("page=abc", "page")]
    public async Task PagingOutOfRange_Is400NamingTheField(string query, string field)
    {
        using var response = await Client.GetAsync($"/api/v1/users?{query}");

        await ProblemAssert.ShapeAsync(response, HttpStatusCode.BadRequest, "VALIDATION_ERROR", field);
        Assert.False(response.Headers.Contains("Link"));
    }

    [Fact]
    public async Task AUsersOrders_PageCarriesLinksToTheUsersOwnOrdersUrl()
    {
        await using var orders = await FakeOrdersService.StartAsync();
        using var directory = new TestDirectory();
        await using var users = await UsersHost.StartAsync(directory, orders.Address);
        var user = await users.Client.CreateUserAsync("Ada", "ada@example.com");
        var id = user.GetProperty("id").GetString();

        using var response = await users.Client.GetAsync($"/api/v1/users/{id}/orders?page=2&limit=5");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var links = Links(response);
        Assert.Equal(["first", "prev", "last"], links.Keys);
        Assert.Equal($"/api/v1/users/{id}/orders?page=1&limit=5", links["prev"]);
    }

    /// <summary>The response's single Link header, by relation.</summary>
    internal static Dictionary<string, string> Links(HttpResponseMessage response) =>
        PageLinksTests.Parse(Assert.Single(response.Headers.GetValues("Link")));

    internal static async Task<System.Text.Json.JsonElement> AssertPageAsync(HttpResponseMessage response, int page, int limit, long total, long pages, int count)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadJsonAsync();
        var pagination = body.GetProperty("pagination");
        Assert.Equal(page, pagination.GetProperty("page").GetInt32());
        Assert.Equal(limit, pagination.GetProperty("limit").GetInt32());
        Assert.Equal(total, pagination.GetProperty("total").GetInt64());
        Assert.Equal(pages, pagination.GetProperty("pages").GetInt64());
        Assert.Equal(count, body.GetProperty("data").GetArrayLength());
        return body;
    }

    private async Task CreateUsersAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await Client.CreateUserAsync($"User {i}", $"user{i}@example.com");
        }
    }
}
