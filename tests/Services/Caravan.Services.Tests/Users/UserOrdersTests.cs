using System.Net;
using System.Net.Sockets;

namespace Caravan.Services.Tests.Users;

public sealed class UserOrdersTests : IAsyncLifetime, IDisposable
{
    private readonly TestDirectory _directory = new();
    private FakeOrdersService _orders = null!;
    private ServiceHost _host = null!;

    private HttpClient Client => _host.Client;

    public async Task InitializeAsync()
    {
        _orders = await FakeOrdersService.StartAsync();
        _host = await UsersHost.StartAsync(_directory, _orders.Address);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _orders.DisposeAsync();
    }

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Orders_OfKnownUser_ReturnsTheOrdersServicePageAsIs()
    {
        var user = await Client.CreateUserAsync("Ada", "ada@example.com");
        var id = user.GetProperty("id").GetString();

        using var response = await Client.GetAsync($"/api/v1/users/{id}/orders?page=2&limit=5");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadJsonAsync();
        var query = Assert.Single(_orders.Queries);
        Assert.Equal(id, query["userId"].ToString());
        Assert.Equal("2", query["page"].ToString());
        Assert.Equal("5", query["limit"].ToString());
        var order = Assert.Single(body.GetProperty("data").EnumerateArray());
        Assert.Equal(id, order.GetProperty("userId").GetString());
        Assert.Equal("36.97", order.GetProperty("total").GetRawText());
        Assert.Equal(2, body.GetProperty("pagination").GetProperty("page").GetInt32());
        Assert.Equal(5, body.GetProperty("pagination").GetProperty("limit").GetInt32());
    }

    [Fact]
    public async Task Orders_WithoutPaging_AsksForTheDefaultPage()
    {
        var user = await Client.CreateUserAsync("Ada", "ada@example.com");

        using var response = await Client.GetAsync($"/api/v1/users/{user.GetProperty("id").GetString()}/orders");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var query = Assert.Single(_orders.Queries);
        Assert.Equal("1", query["page"].ToString());
        Assert.Equal("20", query["limit"].ToString());
    }

    [Theory]
    [InlineData("0197a5c2-0000-7000-8000-00000000abcd")]
    [InlineData("not-a-guid")]
    public async Task Orders_OfUnknownUser_Returns404WithoutCallingOrders(string id)
    {
        using var response = await Client.GetAsync($"/api/v1/users/{id}/orders");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(_orders.Queries);
    }

    [Fact]
    public async Task Orders_WithBadLimit_Returns400NamingLimit()
    {
        var user = await Client.CreateUserAsync("Ada", "ada@example.com");

        using var response = await Client.GetAsync($"/api/v1/users/{user.GetProperty("id").GetString()}/orders?limit=500");

        await UsersHost.AssertValidationProblemAsync(response, "limit");
        Assert.Empty(_orders.Queries);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    public async Task Orders_WhenOrdersFails_Returns503Problem(int status)
    {
        var user = await Client.CreateUserAsync("Ada", "ada@example.com");
        _orders.FailWith = status;

        using var response = await Client.GetAsync($"/api/v1/users/{user.GetProperty("id").GetString()}/orders");

        await AssertOrdersUnavailableAsync(response);
        Assert.NotEmpty(_orders.Queries);
    }

    [Fact]
    public async Task Orders_WhenOrdersIsUnreachable_Returns503Problem()
    {
        // A port that was free a moment ago: nothing listens there, so every connection is refused.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var directory = new TestDirectory();
        await using var users = await UsersHost.StartAsync(directory, $"http://127.0.0.1:{port}");
        var user = await users.Client.CreateUserAsync("Ada", "ada@example.com");

        using var response = await users.Client.GetAsync($"/api/v1/users/{user.GetProperty("id").GetString()}/orders");

        await AssertOrdersUnavailableAsync(response);
    }

    private static async Task AssertOrdersUnavailableAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadJsonAsync();
        Assert.Equal("The orders service is unavailable.", problem.GetProperty("title").GetString());
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
    }
}
