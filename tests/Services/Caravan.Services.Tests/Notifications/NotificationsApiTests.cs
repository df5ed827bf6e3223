using System.Net;
using Caravan.Contracts;

namespace Caravan.Services.Tests.Notifications;

public abstract class NotificationsApiTests(ServiceStorage storage)
{
    private static readonly DateTimeOffset At = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public async Task List_FiltersByUserAndKind_AndPaginates()
    {
        await using var bed = await NotificationsTestBed.StartAsync(storage);
        var (alice, bob) = (Guid.NewGuid(), Guid.NewGuid());
        await bed.PublishAsync(new OrderConfirmed(Guid.NewGuid(), alice, 1m, At));
        await bed.PublishAsync(new OrderCancelled(Guid.NewGuid(), alice, "no stock", At));
        await bed.PublishAsync(new OrderConfirmed(Guid.NewGuid(), alice, 2m, At));
        await bed.PublishAsync(new OrderConfirmed(Guid.NewGuid(), bob, 3m, At));
        await bed.WaitUntilHandledAsync(4);

        var alicePage1 = await (await bed.Client.GetAsync($"/api/v1/notifications?userId={alice}&limit=2")).ReadJsonAsync();
        var alicePage2 = await (await bed.Client.GetAsync($"/api/v1/notifications?userId={alice}&limit=2&page=2")).ReadJsonAsync();
        var confirmed = await (await bed.Client.GetAsync("/api/v1/notifications?kind=confirmed")).ReadJsonAsync();
        var aliceCancelled = await (await bed.Client.GetAsync($"/api/v1/notifications?userId={alice}&kind=Cancelled")).ReadJsonAsync();

        Assert.Equal(2, alicePage1.GetProperty("data").GetArrayLength());
        Assert.Equal(1, alicePage2.GetProperty("data").GetArrayLength());
        Assert.Equal(3, alicePage1.GetProperty("pagination").GetProperty("total").GetInt32());
        Assert.Equal(2, alicePage1.GetProperty("pagination").GetProperty("pages").GetInt32());
        Assert.Equal(3, confirmed.GetProperty("pagination").GetProperty("total").GetInt32());
        Assert.All(confirmed.GetProperty("data").EnumerateArray(), n => Assert.Equal("Confirmed", n.GetProperty("kind").GetString()));
        var cancelled = Assert.Single(aliceCancelled.GetProperty("data").EnumerateArray());
        Assert.Equal(alice, cancelled.GetProperty("userId").GetGuid());
    }

    [Theory]
    [InlineData("/api/v1/notifications/0196a3c4-0000-7000-8000-000000000000")]
    [InlineData("/api/v1/notifications/latest")]
    public async Task Get_UnknownNotification_Is404Problem(string path)
    {
        await using var bed = await NotificationsTestBed.StartAsync(storage);

        var response = await bed.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/api/v1/notifications?orderId=x", "orderId")]
    [InlineData("/api/v1/notifications?userId=42", "userId")]
    [InlineData("/api/v1/notifications?kind=Shipped", "kind")]
    [InlineData("/api/v1/notifications?page=two", "page")]
    [InlineData("/api/v1/notifications?limit=1000", "limit")]
    public async Task List_InvalidQueryValue_Is400NamingTheField(string path, string field)
    {
        await using var bed = await NotificationsTestBed.StartAsync(storage);

        var response = await bed.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty(field, out _), $"The problem should name '{field}'.");
    }

    [Fact]
    public async Task List_InvalidOrderIdAndUserId_NamesBothFields()
    {
        await using var bed = await NotificationsTestBed.StartAsync(storage);

        var response = await bed.Client.GetAsync("/api/v1/notifications?orderId=a&userId=b");

        var errors = (await response.ReadJsonAsync()).GetProperty("errors");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(errors.TryGetProperty("orderId", out _));
        Assert.True(errors.TryGetProperty("userId", out _));
    }
}

public sealed class NotificationsApiOnSqliteTests() : NotificationsApiTests(ServiceStorage.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class NotificationsApiOnPostgresTests(PostgresStorage storage) : NotificationsApiTests(storage);
