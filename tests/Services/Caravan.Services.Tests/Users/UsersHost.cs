using System.Net.Http.Json;
using System.Text.Json;
using Caravan.Users;

namespace Caravan.Services.Tests.Users;

/// <summary>Starts the Users service on a fresh data directory, optionally pointing it at an Orders address.</summary>
internal static class UsersHost
{
    public static Task<ServiceHost> StartAsync(TestDirectory directory, string? ordersAddress = null, ServiceStorage? storage = null) =>
        ServiceHost.StartAsync(
            directory.Path,
            builder => builder.AddUsersService(),
            app => app.MapUsersEndpoints(),
            builder =>
            {
                // A short deadline keeps the "Orders is down" tests quick; nothing else depends on it.
                builder.Configuration["Caravan:Users:Orders:Timeout"] = "00:00:01";
                if (ordersAddress is not null)
                {
                    builder.Configuration["services:orders:http:0"] = ordersAddress;
                }
            },
            storage);

    public static async Task<JsonElement> CreateUserAsync(this HttpClient client, string name, string email)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/users", new { name, email });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return await response.ReadJsonAsync();
    }

    /// <summary>Asserts a 400 validation problem whose errors name exactly <paramref name="fields"/>.</summary>
    public static async Task AssertValidationProblemAsync(HttpResponseMessage response, params string[] fields)
    {
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadJsonAsync();
        var named = problem.GetProperty("errors").EnumerateObject().Select(error => error.Name).Order(StringComparer.Ordinal);
        Assert.Equal(fields.Order(StringComparer.Ordinal), named);
    }
}
