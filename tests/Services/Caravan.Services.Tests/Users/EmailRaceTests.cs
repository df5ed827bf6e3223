using System.Net;
using System.Net.Http.Json;

namespace Caravan.Services.Tests.Users;

/// <summary>
/// Requests racing for one e-mail address: the unique index decides, so exactly one wins and every other
/// gets a 409 problem — never a 500 — on SQLite's single writer and on PostgreSQL's READ COMMITTED alike.
/// </summary>
public abstract class EmailRaceTests(ServiceStorage storage)
{
    private const int Racers = 12;

    [Fact]
    public async Task Create_OneEmailManyTimesAtOnce_OneIs201AndTheRest409()
    {
        using var directory = new TestDirectory();
        await using var users = await UsersHost.StartAsync(directory, storage: storage);

        var statuses = await Task.WhenAll(Enumerable.Range(0, Racers).Select(async i =>
        {
            using var response = await users.Client.PostAsJsonAsync("/api/v1/users", new { name = $"Ada {i}", email = i % 2 == 0 ? "ada@example.com" : "ADA@example.com" });
            return await StatusOfAsync(response);
        }));

        Assert.Equal(1, statuses.Count(status => status == HttpStatusCode.Created));
        Assert.Equal(Racers - 1, statuses.Count(status => status == HttpStatusCode.Conflict));
        var list = await users.Client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/users");
        Assert.Equal(1, list.GetProperty("pagination").GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Put_ManyUsersToOneEmailAtOnce_OneIs200AndTheRest409()
    {
        using var directory = new TestDirectory();
        await using var users = await UsersHost.StartAsync(directory, storage: storage);
        var ids = new List<string>();
        for (var i = 0; i < Racers; i++)
        {
            ids.Add((await users.Client.CreateUserAsync($"User {i}", $"user{i}@example.com")).GetProperty("id").GetString()!);
        }

        var statuses = await Task.WhenAll(ids.Select(async id =>
        {
            using var response = await users.Client.PutAsJsonAsync($"/api/v1/users/{id}", new { name = "Wanted", email = "wanted@example.com" });
            return await StatusOfAsync(response);
        }));

        Assert.Equal(1, statuses.Count(status => status == HttpStatusCode.OK));
        Assert.Equal(Racers - 1, statuses.Count(status => status == HttpStatusCode.Conflict));
    }

    /// <summary>The status; a 409 must also be a problem document.</summary>
    private static async Task<HttpStatusCode> StatusOfAsync(HttpResponseMessage response)
    {
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("EMAIL_TAKEN", (await response.ReadJsonAsync()).GetProperty("code").GetString());
        }

        return response.StatusCode;
    }
}

public sealed class EmailRaceOnSqliteTests() : EmailRaceTests(ServiceStorage.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class EmailRaceOnPostgresTests(PostgresStorage storage) : EmailRaceTests(storage);
