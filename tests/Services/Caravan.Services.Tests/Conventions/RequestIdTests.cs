using System.Diagnostics;
using System.Net;
using Caravan.ServiceDefaults.RequestIds;
using Caravan.Services.Tests.Orders;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Caravan.Services.Tests.Conventions;

/// <summary>
/// X-Request-Id: a caller's valid id is kept, anything else is replaced by a generated one; the id is
/// echoed on every answer (errors too), is the problem's requestId, sits in the logging scope and on
/// the Activity, and travels on the service's own outgoing HTTP calls.
/// </summary>
public sealed class RequestIdTests : IAsyncLifetime
{
    private readonly ScopeRecordingLoggerProvider _logs = new();
    private readonly CountingGenerator _generator = new();
    private ConventionsApp _app = null!;

    private HttpClient Client => _app.Client;

    public async Task InitializeAsync() => _app = await ConventionsApp.StartAsync(
        builder =>
        {
            builder.Services.AddSingleton<IRequestIdGenerator>(_generator);
            builder.Logging.AddProvider(_logs);
        },
        app =>
        {
            app.MapGet("/whoami", (HttpContext http, ILogger<RequestIdTests> logger) =>
            {
                logger.LogWarning("handling {Path}", http.Request.Path);
                return new
                {
                    traceIdentifier = http.TraceIdentifier,
                    header = http.Request.Headers[RequestId.HeaderName].ToString(),
                    activityTag = Activity.Current?.GetTagItem(RequestId.TagName) as string,
                };
            });
        });

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _logs.Dispose();
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("req-42_A.b:c")]
    [InlineData("0198a6c4-1d7e-7b8a-9c1f-2b3c4d5e6f70")]
    public async Task AValidId_IsKept_EchoedAndVisibleToTheEndpoint(string id)
    {
        using var response = await SendAsync("/whoami", id);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(id, Assert.Single(response.Headers.GetValues(RequestId.HeaderName)));
        var seen = await response.ReadJsonAsync();
        Assert.Equal(id, seen.GetProperty("traceIdentifier").GetString());
        Assert.Equal(id, seen.GetProperty("header").GetString());
        Assert.Equal(id, seen.GetProperty("activityTag").GetString());
        Assert.Equal(0, _generator.Count);
    }

    [Fact]
    public async Task AnIdOfExactly128Characters_IsKept()
    {
        var id = new string('a', RequestId.MaxLength);
        using var response = await SendAsync("/whoami", id);

        Assert.Equal(id, Assert.Single(response.Headers.GetValues(RequestId.HeaderName)));
    }

    [Fact]
    public async Task NoId_GetsAGeneratedOne()
    {
        using var response = await SendAsync("/whoami", null);

        Assert.Equal("generated-1", Assert.Single(response.Headers.GetValues(RequestId.HeaderName)));
        Assert.Equal("generated-1", (await response.ReadJsonAsync()).GetProperty("header").GetString());
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("abc%0D%0ASet-Cookie:%20x=1")]
    [InlineData("semi;colon")]
    [InlineData("comma,separated")]
    [InlineData("quote\"d")]
    public async Task AnInvalidId_IsReplaced(string id)
    {
        using var response = await SendAsync("/whoami", id);

        Assert.Equal("generated-1", Assert.Single(response.Headers.GetValues(RequestId.HeaderName)));
        Assert.Equal("generated-1", (await response.ReadJsonAsync()).GetProperty("traceIdentifier").GetString());
    }

    [Fact]
    public async Task AnIdLongerThan128_IsReplaced()
    {
        using var response = await SendAsync("/whoami", new string('a', RequestId.MaxLength + 1));

        Assert.Equal("generated-1", Assert.Single(response.Headers.GetValues(RequestId.HeaderName)));
    }

    [Fact]
    public async Task TwoIds_AreReplacedByOne()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        request.Headers.TryAddWithoutValidation(RequestId.HeaderName, ["one", "two"]);
        using var response = await Client.SendAsync(request);

        Assert.Equal("generated-1", Assert.Single(response.Headers.GetValues(RequestId.HeaderName)));
    }

    [Theory]
    [InlineData("/boom", HttpStatusCode.InternalServerError)]
    [InlineData("/no/such/thing", HttpStatusCode.NotFound)]
    [InlineData("/invalid", HttpStatusCode.BadRequest)]
    public async Task ErrorAnswers_EchoTheId_AndCarryItAsRequestId(string path, HttpStatusCode status)
    {
        using var response = await SendAsync(path, "err-1");

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("err-1", Assert.Single(response.Headers.GetValues(RequestId.HeaderName)));
        Assert.Equal("err-1", (await response.ReadJsonAsync()).GetProperty("requestId").GetString());
    }

    [Fact]
    public async Task TheIdIsInTheLoggingScopeOfWhatTheRequestLogs()
    {
        using var response = await SendAsync("/whoami", "logged-1");

        var entry = Assert.Single(_logs.Entries, entry => entry.Message == "handling /whoami");
        Assert.Equal("logged-1", entry.Scope[RequestId.TagName]);
    }

    [Theory]
    [InlineData("abc\r\nSet-Cookie: x=1")]
    [InlineData("abc\nX-Admin: 1")]
    [InlineData("abc\r")]
    [InlineData("tab\there")]
    [InlineData("nul\0")]
    [InlineData("")]
    [InlineData(null)]
    public void HeaderInjectionAttempts_AndEmptyValues_AreNotValidIds(string? id) =>
        Assert.False(RequestId.IsValid(id));

    [Fact]
    public void TheDefaultGenerator_MakesVersion7Guids_ThatAreValidIds()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-01-02T03:04:05Z", System.Globalization.CultureInfo.InvariantCulture));
        var services = new ServiceCollection().AddSingleton<TimeProvider>(time).AddCaravanRequestIds().BuildServiceProvider();
        var generator = services.GetRequiredService<IRequestIdGenerator>();

        var first = generator.NewId();
        var second = generator.NewId();

        Assert.True(RequestId.IsValid(first));
        Assert.NotEqual(first, second);
        Assert.Equal(7, Guid.Parse(first).Version);
        var expectedPrefix = time.GetUtcNow().ToUnixTimeMilliseconds().ToString("x12", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(expectedPrefix, first.Replace("-", string.Empty, StringComparison.Ordinal)[..12]);
    }

    [Fact]
    public async Task AServicesOutgoingCalls_CarryTheRequestsId()
    {
        await using var downstream = await ConventionsApp.StartAsync(map: app =>
            app.MapGet("/seen", (HttpContext http) => http.Request.Headers[RequestId.HeaderName].ToString()));
        await using var upstream = await ConventionsApp.StartAsync(map: app =>
            app.MapGet("/call", async (IHttpClientFactory clients) =>
            {
                using var client = clients.CreateClient();
                return await client.GetStringAsync(new Uri(downstream.Address, "/seen"));
            }));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/call");
        request.Headers.Add(RequestId.HeaderName, "chain-7");
        using var response = await upstream.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("chain-7", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Orders_AskingUsers_SendsTheRequestId()
    {
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var users = await ConventionsApp.StartAsync(map: app =>
            app.MapGet("/api/v1/users/{id}", (Guid id, HttpContext http) =>
            {
                seen.Enqueue(http.Request.Headers[RequestId.HeaderName].ToString());
                return Results.Ok(new { id });
            }));
        using var directory = new TestDirectory();
        await using var orders = await OrdersHost.StartAsync(directory.Path, verifyUsers: true, configure: builder =>
            builder.Configuration["services:users:http:0"] = users.Address.ToString());

        using var request = OrdersHost.Post(OrdersHost.Order(), "key-1");
        request.Headers.Add(RequestId.HeaderName, "order-req-1");
        using var response = await orders.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("order-req-1", Assert.Single(seen));
    }

    private async Task<HttpResponseMessage> SendAsync(string path, string? id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (id is not null)
        {
            request.Headers.TryAddWithoutValidation(RequestId.HeaderName, id);
        }

        return await Client.SendAsync(request);
    }

    private sealed class CountingGenerator : IRequestIdGenerator
    {
        private int _count;

        public int Count => _count;

        public string NewId() => $"generated-{Interlocked.Increment(ref _count)}";
    }
}
