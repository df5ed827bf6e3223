using System.Net;
using System.Text.Json;
using Caravan.AppHost.Tests.Infrastructure;

namespace Caravan.AppHost.Tests.GraphQL;

/// <summary>A service that is down gives a <c>SERVICE_UNAVAILABLE</c> error for the fields it serves, not a 500, and not the others' failure.</summary>
public sealed class GraphQLServiceDownTests : IAsyncLifetime
{
    private GraphQLGateway _gateway = null!;

    public async Task InitializeAsync() =>
        _gateway = await GraphQLGateway.StartAsync(
            new Dictionary<string, string?> { ["Caravan:Gateway:GraphQL:ServiceTimeout"] = "00:00:03" },

            // Orders at a port nobody listens on: the connection is refused, as when its process has died.
            shop => new Dictionary<string, Uri>
            {
                [StandInShop.UsersService] = shop.Addresses[StandInShop.UsersService],
                [StandInShop.OrdersService] = new($"http://127.0.0.1:{FreePort.Next()}"),
            });

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private static string Path(JsonElement error) =>
        string.Join('/', error.GetProperty("path").EnumerateArray().Select(part => part.ToString()));

    [Fact]
    public async Task OrdersDown_OrdersQuery_IsServiceUnavailable()
    {
        var answer = await _gateway.PostAsync("{ orders { id } }");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(JsonValueKind.Null, answer.Data.ValueKind);
        Assert.Equal(["SERVICE_UNAVAILABLE"], answer.ErrorCodes);
        Assert.Contains("orders", answer.Errors[0].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OrdersDown_UsersStillAnswer_AndTheirOrdersAreNullWithTheError()
    {
        _gateway.Shop.AddUser("Ada", "ada@example.com");
        _gateway.Shop.AddUser("Grace", "grace@example.com");

        var answer = await _gateway.PostAsync("{ users { name orders { id } } }");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var users = answer.Data.GetProperty("users").EnumerateArray().ToList();
        Assert.Equal(["Ada", "Grace"], users.Select(user => user.GetProperty("name").GetString()));
        Assert.All(users, user => Assert.Equal(JsonValueKind.Null, user.GetProperty("orders").ValueKind));

        // One failed batch, one error per field it failed, each with its own path.
        Assert.Equal(["SERVICE_UNAVAILABLE", "SERVICE_UNAVAILABLE"], answer.ErrorCodes);
        Assert.Equal(["users/0/orders", "users/1/orders"], answer.Errors.Select(Path).Order());
    }
}
