using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;

namespace Caravan.AppHost.Tests.Gateway;

/// <summary>
/// The gateway's token buckets: a burst above the limit gets 429 with Retry-After, RateLimit-* headers and
/// a RATE_LIMITED problem; traffic below the limit never does; clients (IP, configured API key, subject)
/// have buckets of their own; resources may have their own limits; a configuration change applies without
/// a restart. The limits are set so low (one token every 4 s) that no bucket refills during a test.
/// </summary>
public sealed class GatewayRateLimitingTests : IAsyncLifetime
{
    private const string Limits = "Caravan:Gateway:RateLimiting";
    private static readonly Uri s_orders = new("/api/v1/orders", UriKind.Relative);
    private static readonly Uri s_products = new("/api/v1/products", UriKind.Relative);

    private StandInServices? _services;

    public async Task InitializeAsync() => _services = await StandInServices.StartAsync(["orders", "inventory"]);

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
    }

    [Fact]
    public async Task BurstAboveLimit_Gets429_WithRetryAfterRateLimitHeadersAndProblem()
    {
        await using var gateway = await StartAsync(new() { [$"{Limits}:Anonymous:TokensPerSecond"] = "0.25", [$"{Limits}:Anonymous:Burst"] = "3" });
        using var client = gateway.CreateClient();

        for (var remaining = 2; remaining >= 0; remaining--)
        {
            using var accepted = await client.GetAsync(s_orders);
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            Assert.Equal("3", Header(accepted, "RateLimit-Limit"));
            Assert.Equal(remaining.ToString(CultureInfo.InvariantCulture), Header(accepted, "RateLimit-Remaining"));
        }

        using var rejected = await client.GetAsync(s_orders);

        var problem = await ProblemAssert.IsAsync(rejected, HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        Assert.Equal("/api/v1/orders", problem.GetProperty("instance").GetString());
        // One token comes back every 4 s: the caller is told to wait for it (3 s if the clock already moved on).
        var retryAfter = int.Parse(Header(rejected, "Retry-After"), CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 3, 4);
        Assert.Equal("3", Header(rejected, "RateLimit-Limit"));
        Assert.Equal("0", Header(rejected, "RateLimit-Remaining"));
        Assert.Equal("12", Header(rejected, "RateLimit-Reset"));
        Assert.Equal("3;w=12", Header(rejected, "RateLimit-Policy"));
    }

    [Fact]
    public async Task SteadyTrafficBelowLimit_NeverGets429()
    {
        // 20 tokens/s with a burst of only 5: anything much faster than 20 requests/s would be rejected.
        await using var gateway = await StartAsync(new() { [$"{Limits}:Anonymous:TokensPerSecond"] = "20", [$"{Limits}:Anonymous:Burst"] = "5" });
        using var client = gateway.CreateClient();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        // Paced at 10 requests/s (half the rate): a timer tick missed under load is skipped, never caught up.
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        var statuses = new List<HttpStatusCode>();
        while (statuses.Count < 40 && await pace.WaitForNextTickAsync(deadline.Token))
        {
            using var response = await client.GetAsync(s_orders, deadline.Token);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(40, statuses.Count);
        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
    }

    [Fact]
    public async Task ConfiguredApiKeys_HaveBucketsOfTheirOwn_InventedKeysShareTheAddressBucket()
    {
        await using var gateway = await StartAsync(new()
        {
            [$"{Limits}:ApiKeys:0"] = "key-alpha",
            [$"{Limits}:ApiKeys:1"] = "key-beta",
            [$"{Limits}:ApiKey:TokensPerSecond"] = "0.25",
            [$"{Limits}:ApiKey:Burst"] = "2",
            [$"{Limits}:Anonymous:TokensPerSecond"] = "0.25",
            [$"{Limits}:Anonymous:Burst"] = "2",
        });
        using var client = gateway.CreateClient();

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], await SendAsync(client, 3, apiKey: "key-alpha"));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], await SendAsync(client, 3, apiKey: "key-beta"));
        // Unknown keys count as the anonymous caller they are: a fresh key per request earns nothing.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, 1, apiKey: "made-up-1"))[0]);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, 1, apiKey: "made-up-2"))[0]);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SendAsync(client, 1, apiKey: "made-up-3"))[0]);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SendAsync(client, 1))[0]);
    }

    [Fact]
    public async Task AuthenticatedSubjects_HaveBucketsOfTheirOwn_ApartFromTheirAddress()
    {
        await using var gateway = await StartAsync(
            new()
            {
                [$"{Limits}:Authenticated:TokensPerSecond"] = "0.25",
                [$"{Limits}:Authenticated:Burst"] = "2",
                [$"{Limits}:Anonymous:TokensPerSecond"] = "0.25",
                [$"{Limits}:Anonymous:Burst"] = "1",
            },
            builder => builder.Services.AddAuthentication(TestSubjectAuthentication.SchemeName)
                .AddScheme<AuthenticationSchemeOptions, TestSubjectAuthentication>(TestSubjectAuthentication.SchemeName, null));
        using var client = gateway.CreateClient();

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.TooManyRequests], await SendAsync(client, 2));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], await SendAsync(client, 3, subject: "alice"));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], await SendAsync(client, 3, subject: "bob"));
    }

    [Fact]
    public async Task RouteOverride_GivesTheResourceItsOwnLimit()
    {
        await using var gateway = await StartAsync(new()
        {
            [$"{Limits}:Anonymous:TokensPerSecond"] = "0.25",
            [$"{Limits}:Anonymous:Burst"] = "3",
            [$"{Limits}:Routes:orders:Anonymous:TokensPerSecond"] = "0.25",
            [$"{Limits}:Routes:orders:Anonymous:Burst"] = "1",
        });
        using var client = gateway.CreateClient();

        using (var first = await client.GetAsync(s_orders))
        {
            Assert.Equal("1", Header(first, "RateLimit-Limit"));
        }

        using (var second = await client.GetAsync(s_orders))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        }

        using var products = await client.GetAsync(s_products);
        Assert.Equal(HttpStatusCode.OK, products.StatusCode);
        Assert.Equal("3", Header(products, "RateLimit-Limit"));
    }

    [Fact]
    public async Task ConfigurationChange_AppliesWithoutRestart()
    {
        await using var gateway = await StartAsync(new() { [$"{Limits}:Anonymous:TokensPerSecond"] = "0.25", [$"{Limits}:Anonymous:Burst"] = "1" });
        using var client = gateway.CreateClient();
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.TooManyRequests], await SendAsync(client, 2));

        await gateway.ReconfigureAsync(new Dictionary<string, string> { [$"{Limits}:Anonymous:Burst"] = "50" });

        await Infrastructure.Eventually.HoldsAsync("the new burst of 50 to apply", TimeSpan.FromSeconds(30), async token =>
        {
            using var response = await client.GetAsync(s_orders, token);
            return response.StatusCode == HttpStatusCode.OK && Header(response, "RateLimit-Limit") == "50";
        });
    }

    [Fact]
    public async Task HealthEndpoints_AreNeverLimited()
    {
        await using var gateway = await StartAsync(new() { [$"{Limits}:Anonymous:TokensPerSecond"] = "0.25", [$"{Limits}:Anonymous:Burst"] = "1" });
        using var client = gateway.CreateClient();

        for (var i = 0; i < 10; i++)
        {
            using var response = await client.GetAsync(new Uri(i % 2 == 0 ? "/health/ready" : "/health/live", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.False(response.Headers.Contains("RateLimit-Limit"));
        }
    }

    private Task<GatewayHost> StartAsync(Dictionary<string, string?> configuration, Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure = null) =>
        GatewayHost.StartAsync(_services!.Addresses, configuration, configure);

    private static async Task<HttpStatusCode[]> SendAsync(HttpClient client, int count, string? apiKey = null, string? subject = null)
    {
        var statuses = new HttpStatusCode[count];
        for (var i = 0; i < count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, s_orders);
            if (apiKey is not null)
            {
                request.Headers.Add("X-Api-Key", apiKey);
            }

            if (subject is not null)
            {
                request.Headers.Add(TestSubjectAuthentication.SubjectHeader, subject);
            }

            using var response = await client.SendAsync(request);
            statuses[i] = response.StatusCode;
        }

        return statuses;
    }

    private static string Header(HttpResponseMessage response, string name) => Assert.Single(response.Headers.GetValues(name));
}
