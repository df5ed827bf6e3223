using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace Caravan.Services.Tests.Users;

public abstract class UsersApiTests(ServiceStorage storage) : IAsyncLifetime, IDisposable
{
    private readonly TestDirectory _directory = new();
    private ServiceHost _host = null!;

    private HttpClient Client => _host.Client;

    public async Task InitializeAsync() => _host = await UsersHost.StartAsync(_directory, storage: storage);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public void Dispose()
    {
        _directory.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Create_ValidUser_Returns201WithLocationAndTheUser()
    {
        using var response = await Client.PostAsJsonAsync("/api/v1/users", new { name = " Ada ", email = "ada@example.com" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var user = await response.ReadJsonAsync();
        var id = Guid.Parse(user.GetProperty("id").GetString()!);
        Assert.Equal($"/api/v1/users/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("Ada", user.GetProperty("name").GetString());
        Assert.Equal("ada@example.com", user.GetProperty("email").GetString());
        Assert.Equal(user.GetProperty("createdAt").GetDateTimeOffset(), user.GetProperty("updatedAt").GetDateTimeOffset());

        using var fetched = await Client.GetAsync(response.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal(user.GetRawText(), (await fetched.ReadJsonAsync()).GetRawText());
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("ada@")]
    [InlineData("@example.com")]
    [InlineData("Ada <ada@example.com>")]
    [InlineData("ada lovelace@example.com")]
    [InlineData("   ")]
    public async Task Create_InvalidEmail_Returns400NamingEmail(string email)
    {
        using var response = await Client.PostAsJsonAsync("/api/v1/users", new { name = "Ada", email });

        await UsersHost.AssertValidationProblemAsync(response, "email");
    }

    [Fact]
    public async Task Create_MissingEmail_Returns400NamingEmail()
    {
        using var response = await Client.PostAsJsonAsync("/api/v1/users", new { name = "Ada" });

        await UsersHost.AssertValidationProblemAsync(response, "email");
    }

    [Fact]
    public async Task Create_MissingName_Returns400NamingName()
    {
        using var response = await Client.PostAsJsonAsync("/api/v1/users", new { email = "ada@example.com" });

        await UsersHost.AssertValidationProblemAsync(response, "name");
    }

    [Fact]
    public async Task Create_EmptyBody_Returns400NamingEveryField()
    {
        using var response = await Client.PostAsJsonAsync("/api/v1/users", new { });

        await UsersHost.AssertValidationProblemAsync(response, "email", "name");
    }

    [Fact]
    public async Task Create_NameLongerThan200_Returns400NamingName()
    {
        using var response = await Client.PostAsJsonAsync("/api/v1/users", new { name = new string('a', 201), email = "ada@example.com" });

        await UsersHost.AssertValidationProblemAsync(response, "name");
    }

    [Theory]
    [InlineData("{ \"name\": \"Ada\", ")]
    [InlineData("{ \"name\": 42, \"email\": \"ada@example.com\" }")]
    [InlineData("")]
    public async Task Create_UnreadableBody_Returns400ProblemNot500(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await Client.PostAsync("/api/v1/users", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, (await Client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/users")).GetProperty("pagination").GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Create_EmailTakenIgnoringCase_Returns409AndKeepsOneUser()
    {
        await Client.CreateUserAsync("Ada", "ada@example.com");

        using var response = await Client.PostAsJsonAsync("/api/v1/users", new { name = "Other Ada", email = "ADA@Example.com" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var list = await Client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/users");
        Assert.Equal(1, list.GetProperty("pagination").GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task List_25UsersByTen_GivesThreePagesInCreationOrder()
    {
        var created = new List<string>();
        for (var i = 0; i < 25; i++)
        {
            created.Add((await Client.CreateUserAsync($"User {i}", $"user{i}@example.com")).GetProperty("id").GetString()!);
        }

        var seen = new List<string>();
        for (var page = 1; page <= 3; page++)
        {
            var body = await Client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/users?page={page}&limit=10");
            var pagination = body.GetProperty("pagination");
            Assert.Equal(page, pagination.GetProperty("page").GetInt32());
            Assert.Equal(10, pagination.GetProperty("limit").GetInt32());
            Assert.Equal(25, pagination.GetProperty("total").GetInt64());
            Assert.Equal(3, pagination.GetProperty("pages").GetInt64());
            Assert.Equal(page == 3 ? 5 : 10, body.GetProperty("data").GetArrayLength());
            seen.AddRange(body.GetProperty("data").EnumerateArray().Select(user => user.GetProperty("id").GetString()!));
        }

        Assert.Equal(created, seen);
        var beyond = await Client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/users?page=4&limit=10");
        Assert.Equal(0, beyond.GetProperty("data").GetArrayLength());
    }

    [Theory]
    [InlineData("page=0", "page")]
    [InlineData("page=abc", "page")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("page=-1&limit=x", "limit", "page")]
    public async Task List_BadPaging_Returns400NamingTheField(string query, params string[] fields)
    {
        using var response = await Client.GetAsync($"/api/v1/users?{query}");

        await UsersHost.AssertValidationProblemAsync(response, fields);
    }

    [Theory]
    [InlineData("0197a5c2-0000-7000-8000-00000000abcd")]
    [InlineData("not-a-guid")]
    public async Task Get_UnknownOrMalformedId_Returns404Problem(string id)
    {
        using var response = await Client.GetAsync($"/api/v1/users/{id}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Put_ValidBody_ReplacesNameAndEmail()
    {
        var user = await Client.CreateUserAsync("Ada", "ada@example.com");
        var id = user.GetProperty("id").GetString();

        using var response = await Client.PutAsJsonAsync($"/api/v1/users/{id}", new { name = "Ada Lovelace", email = "ADA@example.com" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var updated = await response.ReadJsonAsync();
        Assert.Equal(id, updated.GetProperty("id").GetString());
        Assert.Equal("Ada Lovelace", updated.GetProperty("name").GetString());
        Assert.Equal("ADA@example.com", updated.GetProperty("email").GetString());
        Assert.Equal(user.GetProperty("createdAt").GetDateTimeOffset(), updated.GetProperty("createdAt").GetDateTimeOffset());
        Assert.True(updated.GetProperty("updatedAt").GetDateTimeOffset() >= user.GetProperty("updatedAt").GetDateTimeOffset());
        var fetched = await Client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/users/{id}");
        Assert.Equal(updated.GetRawText(), fetched.GetRawText());
    }

    [Fact]
    public async Task Put_EmailOfAnotherUser_Returns409AndChangesNothing()
    {
        await Client.CreateUserAsync("Ada", "ada@example.com");
        var grace = await Client.CreateUserAsync("Grace", "grace@example.com");
        var id = grace.GetProperty("id").GetString();

        using var response = await Client.PutAsJsonAsync($"/api/v1/users/{id}", new { name = "Grace", email = "Ada@Example.com" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var fetched = await Client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/users/{id}");
        Assert.Equal("grace@example.com", fetched.GetProperty("email").GetString());
    }

    [Fact]
    public async Task Put_InvalidBody_Returns400NamingFields()
    {
        var user = await Client.CreateUserAsync("Ada", "ada@example.com");

        using var response = await Client.PutAsJsonAsync($"/api/v1/users/{user.GetProperty("id").GetString()}", new { name = "", email = "nope" });

        await UsersHost.AssertValidationProblemAsync(response, "email", "name");
    }

    [Theory]
    [InlineData("0197a5c2-0000-7000-8000-00000000abcd")]
    [InlineData("not-a-guid")]
    public async Task Put_UnknownUser_Returns404(string id)
    {
        using var response = await Client.PutAsJsonAsync($"/api/v1/users/{id}", new { name = "Ada", email = "ada@example.com" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Delete_ExistingUser_Returns204ThenTheUserIsGoneAndItsEmailFree()
    {
        var user = await Client.CreateUserAsync("Ada", "ada@example.com");
        var id = user.GetProperty("id").GetString();

        using var deleted = await Client.DeleteAsync($"/api/v1/users/{id}");
        using var fetched = await Client.GetAsync($"/api/v1/users/{id}");
        using var deletedAgain = await Client.DeleteAsync($"/api/v1/users/{id}");
        using var updated = await Client.PutAsJsonAsync($"/api/v1/users/{id}", new { name = "Ada", email = "ada@example.com" });

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, fetched.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, deletedAgain.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, updated.StatusCode);
        var list = await Client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/users");
        Assert.Equal(0, list.GetProperty("pagination").GetProperty("total").GetInt64());
        var again = await Client.CreateUserAsync("Ada again", "ada@example.com");
        Assert.NotEqual(id, again.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Delete_MalformedId_Returns404()
    {
        using var response = await Client.DeleteAsync("/api/v1/users/not-a-guid");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}

public sealed class UsersApiOnSqliteTests() : UsersApiTests(ServiceStorage.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class UsersApiOnPostgresTests(PostgresStorage storage) : UsersApiTests(storage);
