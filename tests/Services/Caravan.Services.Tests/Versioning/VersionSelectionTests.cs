using System.Net;
using System.Net.Http.Json;
using Caravan.Services.Tests.Orders;

namespace Caravan.Services.Tests.Versioning;

/// <summary>
/// How a request picks its API version on the Orders service (v1 deprecated, v2 current, sagas v1 only):
/// the URL segment, or on a versionless route the <c>api-version</c> header or query parameter, with
/// 1.0 when none is given; conflicting, unknown and malformed versions are 400 problems.
/// </summary>
public sealed class VersionSelectionTests : IAsyncLifetime
{
    private readonly TestDirectory _directory = new();
    private ServiceHost _orders = null!;

    public async Task InitializeAsync() => _orders = await OrdersHost.StartAsync(_directory.Path);

    public async Task DisposeAsync()
    {
        await _orders.DisposeAsync();
        _directory.Dispose();
    }

    [Theory]
    [InlineData("/api/v1/orders", null, "/api/v1/orders")]
    [InlineData("/api/v2/orders", null, "/api/v2/orders")]
    [InlineData("/api/orders", "2.0", "/api/v2/orders")]
    [InlineData("/api/orders", "1", "/api/v1/orders")]
    [InlineData("/api/orders?api-version=2.0", null, "/api/v2/orders")]
    [InlineData("/api/orders?api-version=1.0", null, "/api/v1/orders")]
    [InlineData("/api/orders", null, "/api/v1/orders")]
    [InlineData("/api/v2/orders", "2.0", "/api/v2/orders")]
    [InlineData("/api/orders?api-version=2.0", "2.0", "/api/v2/orders")]
    public async Task The_url_header_or_query_selects_the_version_and_none_means_v1(string path, string? header, string expectedLocation)
    {
        using var request = Place(path, header);

        using var response = await _orders.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.ReadJsonAsync();
        var id = body.GetProperty("id").GetGuid();
        Assert.Equal($"{expectedLocation}/{id}", response.Headers.Location?.OriginalString);
        var item = body.GetProperty("items")[0];
        Assert.Equal(expectedLocation.Contains("v2", StringComparison.Ordinal), item.TryGetProperty("lineTotal", out _));
    }

    [Fact]
    public async Task A_versionless_read_follows_the_header_and_the_query()
    {
        using var placed = await _orders.Client.SendAsync(Place("/api/v1/orders", header: null));
        var id = (await placed.ReadJsonAsync()).GetProperty("id").GetGuid();

        using var v2 = new HttpRequestMessage(HttpMethod.Get, $"/api/orders/{id}");
        v2.Headers.Add("api-version", "2.0");
        using var byHeader = await _orders.Client.SendAsync(v2);
        using var byQuery = await _orders.Client.GetAsync(new Uri($"/api/orders/{id}?api-version=2", UriKind.Relative));
        using var byDefault = await _orders.Client.GetAsync(new Uri($"/api/orders/{id}", UriKind.Relative));

        Assert.True((await byHeader.ReadJsonAsync()).GetProperty("items")[0].TryGetProperty("lineTotal", out _));
        Assert.True((await byQuery.ReadJsonAsync()).GetProperty("items")[0].TryGetProperty("lineTotal", out _));
        var v1 = await byDefault.ReadJsonAsync();
        Assert.False(v1.GetProperty("items")[0].TryGetProperty("lineTotal", out _));
        Assert.Equal(id, v1.GetProperty("id").GetGuid());
    }

    [Theory]
    [InlineData("/api/v1/orders", "2.0", "AMBIGUOUS_API_VERSION")]
    [InlineData("/api/orders?api-version=1.0", "2.0", "AMBIGUOUS_API_VERSION")]
    [InlineData("/api/v9/orders", null, "UNSUPPORTED_API_VERSION")]
    [InlineData("/api/orders", "9.0", "UNSUPPORTED_API_VERSION")]
    [InlineData("/api/orders?api-version=3", null, "UNSUPPORTED_API_VERSION")]
    [InlineData("/api/v2/sagas", null, "UNSUPPORTED_API_VERSION")]
    [InlineData("/api/orders", "not-a-version", "INVALID_API_VERSION")]
    [InlineData("/api/v3/orders/00000000-0000-0000-0000-000000000001", null, "UNSUPPORTED_API_VERSION")]
    public async Task A_conflicting_unknown_or_malformed_version_is_a_400_problem(string path, string? header, string code)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (header is not null)
        {
            request.Headers.Add("api-version", header);
        }

        using var response = await _orders.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadJsonAsync();
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Equal(code, problem.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("/api/v1/unknown")]
    [InlineData("/api/v9/unknown")]
    [InlineData("/api/unknown")]
    public async Task A_resource_that_exists_in_no_version_is_still_a_404(string path)
    {
        using var response = await _orders.Client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Orders_v1_links_its_retirement_to_the_api_docs_by_default()
    {
        using var response = await _orders.Client.GetAsync(new Uri("/api/v1/orders", UriKind.Relative));

        Assert.Equal("Wed, 30 Jun 2027 00:00:00 GMT", response.Headers.GetValues("Sunset").Single());
        Assert.Contains(response.Headers.GetValues("Link"), link => link.StartsWith("</docs>; rel=\"sunset\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_rejected_version_writes_nothing()
    {
        using var conflicting = Place("/api/v1/orders", header: "2.0");
        using var unsupported = Place("/api/v9/orders", header: null);

        using var first = await _orders.Client.SendAsync(conflicting);
        using var second = await _orders.Client.SendAsync(unsupported);

        Assert.Equal(HttpStatusCode.BadRequest, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        using var list = await _orders.Client.GetAsync(new Uri("/api/v2/orders", UriKind.Relative));
        Assert.Equal(0, (await list.ReadJsonAsync()).GetProperty("pagination").GetProperty("total").GetInt32());
    }

    private static HttpRequestMessage Place(string path, string? header)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(OrdersHost.Order()) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        if (header is not null)
        {
            request.Headers.Add("api-version", header);
        }

        return request;
    }
}
