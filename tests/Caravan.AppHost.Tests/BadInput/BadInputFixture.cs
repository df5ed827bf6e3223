using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Caravan.AppHost.Tests.Infrastructure;

namespace Caravan.AppHost.Tests.BadInput;

/// <summary>
/// One real run of the whole system for the bad-input suite, with two users and one product to aim
/// valid-looking requests at. <see cref="ReadStateAsync"/> is what "nothing is written" is checked on:
/// the totals of every list endpoint plus the seeded records as the gateway returns them.
/// </summary>
public sealed class BadInputFixture : IAsyncLifetime
{
    public const string AdaEmail = "ada.badinput@example.com";
    public const string GraceEmail = "grace.badinput@example.com";
    public const string Sku = "BADINPUT-1";

    /// <summary>The lists whose <c>pagination.total</c> must not move when a request is refused.</summary>
    public static IReadOnlyList<string> Lists { get; } = ["users", "products", "orders", "payments", "shipments", "notifications"];

    private CaravanAppHost? _host;

    public CaravanAppHost Host => _host ?? throw new InvalidOperationException("The app host has not started.");

    public HttpClient Client { get; private set; } = null!;

    /// <summary>Ada's id: the user valid-looking orders and updates name.</summary>
    public Guid UserId { get; private set; }

    public async Task InitializeAsync()
    {
        // Orders' stock check accepts an order when Inventory does not answer within its deadline (2 s by
        // default); on a loaded machine that would let a case meant to be refused (too many units, an
        // unknown sku) place a real order. A long deadline keeps those cases deterministic.
        _host = await CaravanAppHost.StartAsync(TimeSpan.FromSeconds(180), ["Caravan:Orders:StockCheckTimeout=00:00:30"]);
        Client = Host.CreateGatewayClient();
        UserId = (await CreateAsync("/api/v1/users", new { name = "Ada", email = AdaEmail })).GetProperty("id").GetGuid();
        await CreateAsync("/api/v1/users", new { name = "Grace", email = GraceEmail });
        await CreateAsync("/api/v1/products", new { sku = Sku, name = "Bad input probe", price = 10.50m, stock = 5 });
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    /// <summary>Replaces the placeholders a case may use: <c>{userId}</c>, <c>{sku}</c>, <c>{graceEmail}</c>.</summary>
    public string Fill(string text) => text
        .Replace("{userId}", UserId.ToString(), StringComparison.Ordinal)
        .Replace("{sku}", Sku, StringComparison.Ordinal)
        .Replace("{graceEmail}", GraceEmail, StringComparison.Ordinal);

    /// <summary>The totals of every list and the seeded user and product, as the public API shows them.</summary>
    public async Task<SystemState> ReadStateAsync()
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var list in Lists)
        {
            var page = await GetJsonAsync($"/api/v1/{list}?limit=1");
            totals[list] = page.GetProperty("pagination").GetProperty("total").GetInt64();
        }

        var user = await GetJsonAsync($"/api/v1/users/{UserId}");
        var product = await GetJsonAsync($"/api/v1/products/{Sku}");
        return new SystemState(totals, user.GetRawText(), product.GetRawText());
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Client.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<JsonElement>(body);
    }

    /// <summary>POSTs <paramref name="body"/> as JSON, asserts 201 with a Location and a JSON body, and returns that body.</summary>
    public async Task<JsonElement> CreateAsync(string path, object body)
    {
        using var response = await Client.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST {path}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.Location);
        return JsonSerializer.Deserialize<JsonElement>(text);
    }
}

/// <summary>What the public API shows of the system's data; two equal states mean nothing was written.</summary>
public sealed record SystemState(IReadOnlyDictionary<string, long> Totals, string SeededUser, string SeededProduct)
{
    /// <summary>Asserts that <paramref name="after"/> equals this state, except <paramref name="grown"/>, whose total grew by one.</summary>
    public void AssertUnchanged(SystemState after, string? grown = null)
    {
        foreach (var (list, total) in Totals)
        {
            var expected = list == grown ? total + 1 : total;
            Assert.True(after.Totals[list] == expected, $"The {list} total went from {total} to {after.Totals[list]} (expected {expected}).");
        }

        Assert.Equal(SeededUser, after.SeededUser);
        Assert.Equal(SeededProduct, after.SeededProduct);
    }
}

[CollectionDefinition(Name)]
public sealed class BadInputCollection : ICollectionFixture<BadInputFixture>
{
    public const string Name = "Bad input through the gateway";
}
