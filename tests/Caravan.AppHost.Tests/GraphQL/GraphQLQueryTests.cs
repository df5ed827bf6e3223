using System.Net;
using System.Text.Json;

namespace Caravan.AppHost.Tests.GraphQL;

/// <summary>The guide's queries through the gateway's <c>/graphql</c>, against stand-in Users and Orders services.</summary>
public sealed class GraphQLQueryTests : IAsyncLifetime
{
    private GraphQLGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GraphQLGateway.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private StandInShop Shop => _gateway.Shop;

    [Fact]
    public async Task UsersWithOrders_ReturnsEachUsersOrders_WithOneCallToEachService()
    {
        var ada = Shop.AddUser("Ada", "ada@example.com");
        var grace = Shop.AddUser("Grace", "grace@example.com");
        var alan = Shop.AddUser("Alan", "alan@example.com");
        var first = Shop.AddOrder(ada.Id, "Confirmed", 12.5m);
        var second = Shop.AddOrder(ada.Id, "Pending", 3m);
        var third = Shop.AddOrder(grace.Id, "Cancelled", 7m);

        var data = (await _gateway.PostAsync("{ users { id name email orders { id total status } } }")).AssertData();

        var users = data.GetProperty("users").EnumerateArray().ToList();
        Assert.Equal([ada.Id.ToString(), grace.Id.ToString(), alan.Id.ToString()], users.Select(user => user.GetProperty("id").GetString()));
        Assert.Equal("ada@example.com", users[0].GetProperty("email").GetString());
        Assert.Equal([first.Id.ToString(), second.Id.ToString()], OrderIds(users[0]));
        Assert.Equal(12.5m, users[0].GetProperty("orders")[0].GetProperty("total").GetDecimal());
        Assert.Equal("Confirmed", users[0].GetProperty("orders")[0].GetProperty("status").GetString());
        Assert.Equal([third.Id.ToString()], OrderIds(users[1]));
        Assert.Empty(OrderIds(users[2]));

        // One page of users, then the orders of all three users in one call.
        Assert.Single(Shop.CallsTo(StandInShop.UsersService));
        var ordersCall = Assert.Single(Shop.CallsTo(StandInShop.OrdersService));
        Assert.StartsWith("/api/v1/orders?", ordersCall.PathAndQuery, StringComparison.Ordinal);
        Assert.All([ada, grace, alan], user => Assert.Contains($"userId={user.Id}", ordersCall.PathAndQuery, StringComparison.Ordinal));
    }

    [Fact]
    public async Task OrdersWithUser_FetchesAllTheirUsers_InOneCallToUsers()
    {
        var ada = Shop.AddUser("Ada", "ada@example.com");
        var grace = Shop.AddUser("Grace", "grace@example.com");
        Shop.AddOrder(ada.Id, "Confirmed", 1m);
        Shop.AddOrder(grace.Id, "Confirmed", 2m);
        Shop.AddOrder(ada.Id, "Confirmed", 3m);

        var data = (await _gateway.PostAsync("{ orders { total user { name } } }")).AssertData();

        Assert.Equal(["Ada", "Grace", "Ada"], data.GetProperty("orders").EnumerateArray().Select(order => order.GetProperty("user").GetProperty("name").GetString()));
        Assert.Single(Shop.CallsTo(StandInShop.OrdersService));
        var usersCall = Assert.Single(Shop.CallsTo(StandInShop.UsersService));
        Assert.Contains($"id={ada.Id}", usersCall.PathAndQuery, StringComparison.Ordinal);
        Assert.Contains($"id={grace.Id}", usersCall.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NestedBatches_CostOneCallPerLevel()
    {
        var ada = Shop.AddUser("Ada", "ada@example.com");
        var grace = Shop.AddUser("Grace", "grace@example.com");
        Shop.AddOrder(ada.Id, "Confirmed", 1m);
        Shop.AddOrder(grace.Id, "Confirmed", 2m);

        var data = (await _gateway.PostAsync("{ users { orders { user { email } } } }")).AssertData();

        Assert.Equal("grace@example.com", data.GetProperty("users")[1].GetProperty("orders")[0].GetProperty("user").GetProperty("email").GetString());
        Assert.Single(Shop.CallsTo(StandInShop.OrdersService));

        // The page of users; the users of the orders were asked for in one batch (and may repeat the page's).
        Assert.Equal(2, Shop.CallsTo(StandInShop.UsersService).Count);
    }

    [Fact]
    public async Task UserById_ReturnsThatUser()
    {
        var ada = Shop.AddUser("Ada", "ada@example.com");
        Shop.AddUser("Grace", "grace@example.com");

        var data = (await _gateway.PostAsync("query ($id: ID!) { user(id: $id) { id name email } }", new { id = ada.Id })).AssertData();

        Assert.Equal("Ada", data.GetProperty("user").GetProperty("name").GetString());
        Assert.Equal(ada.Id.ToString(), data.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal($"/api/v1/users/{ada.Id}", Assert.Single(Shop.CallsTo(StandInShop.UsersService)).PathAndQuery);
    }

    [Fact]
    public async Task UserById_Unknown_IsNullWithNotFoundError()
    {
        var answer = await _gateway.PostAsync($"{{ user(id: \"{Guid.NewGuid()}\") {{ name }} }}");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(JsonValueKind.Null, answer.Data.GetProperty("user").ValueKind);
        Assert.Equal(["NOT_FOUND"], answer.ErrorCodes);
        Assert.Equal("user", Assert.Single(answer.Errors).GetProperty("path")[0].GetString());
    }

    [Fact]
    public async Task UserById_NotAGuid_IsBadUserInput_WithoutCallingUsers()
    {
        var answer = await _gateway.PostAsync("{ user(id: \"42; DROP TABLE users\") { name } }");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(["BAD_USER_INPUT"], answer.ErrorCodes);
        Assert.Equal("id", answer.Errors[0].GetProperty("extensions").GetProperty("details")[0].GetProperty("field").GetString());
        Assert.Empty(Shop.Calls);
    }

    [Fact]
    public async Task OrdersByStatus_AsksOrdersForThatStatus()
    {
        var ada = Shop.AddUser("Ada", "ada@example.com");
        var confirmed = Shop.AddOrder(ada.Id, "Confirmed", 5m);
        Shop.AddOrder(ada.Id, "Cancelled", 6m);

        var data = (await _gateway.PostAsync("{ orders(status: \"Confirmed\") { id userId status } }")).AssertData();

        var order = Assert.Single(data.GetProperty("orders").EnumerateArray());
        Assert.Equal(confirmed.Id.ToString(), order.GetProperty("id").GetString());
        Assert.Equal(ada.Id.ToString(), order.GetProperty("userId").GetString());
        Assert.Contains("status=Confirmed", Assert.Single(Shop.CallsTo(StandInShop.OrdersService)).PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OrdersByStatus_TheServiceRefuses_IsValidationErrorWithItsFields()
    {
        var answer = await _gateway.PostAsync("{ orders(status: \"Lost\") { id } }");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(["VALIDATION_ERROR"], answer.ErrorCodes);
        Assert.Equal("'status' must be one of Pending, Compensating, Confirmed, Cancelled.", answer.Errors[0].GetProperty("message").GetString());
        var detail = answer.Errors[0].GetProperty("extensions").GetProperty("details")[0];
        Assert.Equal("status", detail.GetProperty("field").GetString());
        Assert.Contains("Pending", detail.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("page: 0", "page")]
    [InlineData("limit: 101", "limit")]
    [InlineData("limit: -1", "limit")]
    public async Task Users_BadPaging_IsBadUserInput(string arguments, string field)
    {
        var answer = await _gateway.PostAsync($"{{ users({arguments}) {{ id }} }}");

        Assert.Equal(["BAD_USER_INPUT"], answer.ErrorCodes);
        Assert.Equal(field, answer.Errors[0].GetProperty("extensions").GetProperty("details")[0].GetProperty("field").GetString());
        Assert.Empty(Shop.Calls);
    }

    [Fact]
    public async Task Users_Paging_IsPassedToTheService()
    {
        Shop.AddUser("Ada", "ada@example.com");
        Shop.AddUser("Grace", "grace@example.com");

        var data = (await _gateway.PostAsync("{ users(page: 2, limit: 1) { name } }")).AssertData();

        Assert.Equal("Grace", Assert.Single(data.GetProperty("users").EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal("/api/v1/users?page=2&limit=1", Assert.Single(Shop.Calls).PathAndQuery);
    }

    [Fact]
    public async Task OrderById_HasItsSagaStepsAndItems()
    {
        var ada = Shop.AddUser("Ada", "ada@example.com");
        var order = Shop.AddOrder(ada.Id, "Pending", 9.99m);

        var data = (await _gateway.PostAsync(
            $"{{ order(id: \"{order.Id}\") {{ status items {{ sku quantity }} steps {{ name status reason }} shippingAddress {{ city }} user {{ name }} }} }}")).AssertData();

        var read = data.GetProperty("order");
        Assert.Equal(["reserve_inventory", "process_payment"], read.GetProperty("steps").EnumerateArray().Select(step => step.GetProperty("name").GetString()));
        Assert.Equal("Completed", read.GetProperty("steps")[0].GetProperty("status").GetString());
        Assert.Equal("TENT-2P", read.GetProperty("items")[0].GetProperty("sku").GetString());
        Assert.Equal("Berlin", read.GetProperty("shippingAddress").GetProperty("city").GetString());
        Assert.Equal("Ada", read.GetProperty("user").GetProperty("name").GetString());
    }

    [Fact]
    public async Task OrderById_Unknown_IsNullWithNotFoundError()
    {
        var answer = await _gateway.PostAsync($"{{ order(id: \"{Guid.NewGuid()}\") {{ id }} }}");

        Assert.Equal(JsonValueKind.Null, answer.Data.GetProperty("order").ValueKind);
        Assert.Equal(["NOT_FOUND"], answer.ErrorCodes);
    }

    [Fact]
    public async Task CallersRequestId_IsPassedToTheServices()
    {
        var ada = Shop.AddUser("Ada", "ada@example.com");
        Shop.AddOrder(ada.Id, "Confirmed", 1m);

        (await _gateway.PostAsync("{ users { orders { id } } }", configure: request => request.Headers.Add("X-Request-Id", "req-graphql-1"))).AssertData();

        Assert.Equal(2, Shop.Calls.Count);
        Assert.All(Shop.Calls, call => Assert.Equal("req-graphql-1", call.Headers["X-Request-Id"]));
    }

    private static List<string?> OrderIds(JsonElement user) =>
        [.. user.GetProperty("orders").EnumerateArray().Select(order => order.GetProperty("id").GetString())];
}
