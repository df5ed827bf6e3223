using System.Net;
using System.Text.Json;

namespace Caravan.AppHost.Tests.GraphQL;

/// <summary><c>createUser</c> and <c>placeOrder</c> through the gateway's <c>/graphql</c>.</summary>
public sealed class GraphQLMutationTests : IAsyncLifetime
{
    private const string CreateUser =
        "mutation ($name: String!, $email: String!) { createUser(name: $name, email: $email) { user { id name email } success errors { field message } } }";

    private const string PlaceOrder =
        """
        mutation ($input: PlaceOrderInput!, $key: String!) {
          placeOrder(input: $input, idempotencyKey: $key) { order { id userId status items { sku quantity } } success errors { field message } }
        }
        """;

    private GraphQLGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GraphQLGateway.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task CreateUser_Valid_ReturnsTheUser()
    {
        var data = (await _gateway.PostAsync(CreateUser, new { name = "Ada", email = "ada@example.com" })).AssertData();

        var payload = data.GetProperty("createUser");
        Assert.True(payload.GetProperty("success").GetBoolean());
        Assert.Empty(payload.GetProperty("errors").EnumerateArray());
        Assert.Equal("ada@example.com", payload.GetProperty("user").GetProperty("email").GetString());
        var call = Assert.Single(_gateway.Shop.Calls);
        Assert.Equal(("POST", "/api/v1/users"), (call.Method, call.PathAndQuery));
    }

    [Fact]
    public async Task CreateUser_InvalidEmail_FailsWithTheServicesFieldErrors()
    {
        var data = (await _gateway.PostAsync(CreateUser, new { name = "Ada", email = "not-an-address" })).AssertData();

        var payload = data.GetProperty("createUser");
        Assert.False(payload.GetProperty("success").GetBoolean());
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("user").ValueKind);
        var error = Assert.Single(payload.GetProperty("errors").EnumerateArray());
        Assert.Equal("email", error.GetProperty("field").GetString());
        Assert.Equal("'email' must be an e-mail address.", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task CreateUser_MissingArgument_IsRejectedByValidation_WithoutCallingUsers()
    {
        var answer = await _gateway.PostAsync("mutation { createUser(name: \"Ada\") { success } }");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.NotEmpty(answer.Errors);
        Assert.False(answer.Body.TryGetProperty("data", out _));
        Assert.Empty(_gateway.Shop.Calls);
    }

    [Fact]
    public async Task PlaceOrder_SendsTheIdempotencyKey_AndReturnsTheAcceptedOrder()
    {
        var ada = _gateway.Shop.AddUser("Ada", "ada@example.com");

        var data = (await _gateway.PostAsync(PlaceOrder, new { input = Order(ada.Id.ToString()), key = "graphql-order-1" })).AssertData();

        var payload = data.GetProperty("placeOrder");
        Assert.True(payload.GetProperty("success").GetBoolean());
        Assert.Equal("Pending", payload.GetProperty("order").GetProperty("status").GetString());
        Assert.Equal(ada.Id.ToString(), payload.GetProperty("order").GetProperty("userId").GetString());
        Assert.Equal(2, payload.GetProperty("order").GetProperty("items")[0].GetProperty("quantity").GetInt32());
        var call = Assert.Single(_gateway.Shop.Calls);
        Assert.Equal(("POST", "/api/v1/orders"), (call.Method, call.PathAndQuery));
        Assert.Equal("graphql-order-1", call.Headers["Idempotency-Key"]);
    }

    [Fact]
    public async Task PlaceOrder_RefusedByOrders_FailsWithTheFieldErrors()
    {
        var data = (await _gateway.PostAsync(PlaceOrder, new { input = Order(Guid.NewGuid().ToString()), key = "graphql-order-2" })).AssertData();

        var payload = data.GetProperty("placeOrder");
        Assert.False(payload.GetProperty("success").GetBoolean());
        Assert.Equal("userId", Assert.Single(payload.GetProperty("errors").EnumerateArray()).GetProperty("field").GetString());
    }

    [Fact]
    public async Task PlaceOrder_WrongInputType_IsAGraphQLError_NotACall()
    {
        var input = new { userId = Guid.NewGuid(), items = new[] { new { sku = "TENT-2P", quantity = "two" } }, payment = new { cardNumber = "4242424242424242" } };

        var answer = await _gateway.PostAsync(PlaceOrder, new { input, key = "graphql-order-3" });

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.NotEmpty(answer.Errors);
        Assert.Empty(_gateway.Shop.Calls);
    }

    private static object Order(string userId) => new
    {
        userId,
        items = new[] { new { sku = "TENT-2P", quantity = 2 } },
        payment = new { cardNumber = "4242424242424242" },
        shippingAddress = new { line1 = "1 Main St", city = "Berlin", postalCode = "10115", country = "DE" },
    };
}
