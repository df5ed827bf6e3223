using System.Net;
using Caravan.Services.Tests.Orders;
using Caravan.Services.Tests.Users;

namespace Caravan.Services.Tests.Conventions;

/// <summary>
/// The batch filters the GraphQL data loaders rely on: <c>GET /api/v1/users?id=…&amp;id=…</c> and
/// <c>GET /api/v1/orders?userId=…&amp;userId=…</c>, repeatable up to 100 times, still paginated.
/// </summary>
public abstract class BatchFilterTests(ServiceStorage storage) : IDisposable
{
    private readonly TestDirectory _directory = new();

    public void Dispose()
    {
        _directory.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Users_ById_ReturnsOnlyThoseUsers()
    {
        await using var host = await UsersHost.StartAsync(_directory, storage: storage);
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add((await host.Client.CreateUserAsync($"User {i}", $"user{i}@example.com")).GetProperty("id").GetString()!);
        }

        using var response = await host.Client.GetAsync($"/api/v1/users?id={ids[0]}&id={ids[2]}&id={Guid.NewGuid()}");

        var body = await PaginationTests.AssertPageAsync(response, page: 1, limit: 20, total: 2, pages: 1, count: 2);
        var returned = body.GetProperty("data").EnumerateArray().Select(user => user.GetProperty("id").GetString()!);
        Assert.Equal(new[] { ids[0], ids[2] }.Order(StringComparer.Ordinal), returned.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Users_ById_IsPaginated_AndTheLinksKeepTheIds()
    {
        await using var host = await UsersHost.StartAsync(_directory, storage: storage);
        var a = (await host.Client.CreateUserAsync("A", "a@example.com")).GetProperty("id").GetString();
        var b = (await host.Client.CreateUserAsync("B", "b@example.com")).GetProperty("id").GetString();
        await host.Client.CreateUserAsync("C", "c@example.com");

        using var response = await host.Client.GetAsync($"/api/v1/users?id={a}&id={b}&limit=1");

        await PaginationTests.AssertPageAsync(response, page: 1, limit: 1, total: 2, pages: 2, count: 1);
        Assert.Equal($"/api/v1/users?id={a}&id={b}&page=2&limit=1", PaginationTests.Links(response)["next"]);
    }

    [Fact]
    public async Task Users_ADeletedUser_IsNotReturnedById()
    {
        await using var host = await UsersHost.StartAsync(_directory, storage: storage);
        var a = (await host.Client.CreateUserAsync("A", "a@example.com")).GetProperty("id").GetString();
        using (var deleted = await host.Client.DeleteAsync($"/api/v1/users/{a}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using var response = await host.Client.GetAsync($"/api/v1/users?id={a}");

        await PaginationTests.AssertPageAsync(response, page: 1, limit: 20, total: 0, pages: 0, count: 0);
    }

    [Fact]
    public async Task Users_AMalformedId_Is400NamingId()
    {
        await using var host = await UsersHost.StartAsync(_directory, storage: storage);

        using var response = await host.Client.GetAsync($"/api/v1/users?id={Guid.NewGuid()}&id=not-a-guid");

        await ProblemAssert.ShapeAsync(response, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "id");
    }

    [Fact]
    public async Task Users_HundredIds_AreAccepted_AndAHundredAndOne_Is400NamingId()
    {
        await using var host = await UsersHost.StartAsync(_directory, storage: storage);

        using var hundred = await host.Client.GetAsync("/api/v1/users?" + Repeat("id", 100));
        using var tooMany = await host.Client.GetAsync("/api/v1/users?" + Repeat("id", 101));

        await PaginationTests.AssertPageAsync(hundred, page: 1, limit: 20, total: 0, pages: 0, count: 0);
        await ProblemAssert.ShapeAsync(tooMany, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "id");
    }

    [Fact]
    public async Task Orders_ByUserId_ReturnsTheOrdersOfAnyOfThoseUsers_AndASingleUserIdStillWorks()
    {
        await using var host = await OrdersHost.StartAsync(_directory.Path, storage: storage);
        var users = new[] { Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid() };
        var placed = 0;
        foreach (var user in users.Concat([users[0]]))
        {
            using var response = await host.Client.SendAsync(OrdersHost.Post(OrdersHost.Order(user), $"key-{placed++}"));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        using var both = await host.Client.GetAsync($"/api/v1/orders?userId={users[0]}&userId={users[1]}");
        using var one = await host.Client.GetAsync($"/api/v1/orders?userId={users[2]}");

        var bothBody = await PaginationTests.AssertPageAsync(both, page: 1, limit: 20, total: 3, pages: 1, count: 3);
        Assert.All(bothBody.GetProperty("data").EnumerateArray(), order =>
            Assert.Contains(Guid.Parse(order.GetProperty("userId").GetString()!), users[..2]));
        var oneBody = await PaginationTests.AssertPageAsync(one, page: 1, limit: 20, total: 1, pages: 1, count: 1);
        Assert.Equal(users[2].ToString(), oneBody.GetProperty("data")[0].GetProperty("userId").GetString());
    }

    [Fact]
    public async Task Orders_AMalformedUserId_Or101_Are400NamingUserId()
    {
        await using var host = await OrdersHost.StartAsync(_directory.Path, storage: storage);

        using var malformed = await host.Client.GetAsync($"/api/v1/orders?userId={Guid.NewGuid()}&userId=nope");
        using var tooMany = await host.Client.GetAsync("/api/v1/orders?" + Repeat("userId", 101));
        using var hundred = await host.Client.GetAsync("/api/v1/orders?" + Repeat("userId", 100));

        await ProblemAssert.ShapeAsync(malformed, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "userId");
        await ProblemAssert.ShapeAsync(tooMany, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "userId");
        await PaginationTests.AssertPageAsync(hundred, page: 1, limit: 20, total: 0, pages: 0, count: 0);
    }

    private static string Repeat(string name, int count) =>
        string.Join('&', Enumerable.Range(0, count).Select(_ => $"{name}={Guid.NewGuid()}"));
}

public sealed class BatchFilterOnSqliteTests() : BatchFilterTests(ServiceStorage.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class BatchFilterOnPostgresTests(PostgresStorage storage) : BatchFilterTests(storage);
