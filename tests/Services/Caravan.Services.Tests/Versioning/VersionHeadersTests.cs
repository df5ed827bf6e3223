using System.Net;
using Caravan.Services.Tests.Orders;

namespace Caravan.Services.Tests.Versioning;

/// <summary>
/// What answers say about versions: the supported and deprecated versions of the resource, and for the
/// deprecated orders v1 its <c>Deprecation</c> and <c>Sunset</c> dates with a link to the migration guide.
/// </summary>
public sealed class VersionHeadersTests : IAsyncLifetime
{
    private readonly TestDirectory _directory = new();
    private ServiceHost _orders = null!;

    public async Task InitializeAsync() => _orders = await OrdersHost.StartAsync(_directory.Path, configure: builder =>
    {
        builder.Configuration["Caravan:Orders:V1:Deprecated"] = "2026-11-01T00:00:00Z";
        builder.Configuration["Caravan:Orders:V1:Sunset"] = "2027-03-31T00:00:00Z";
        builder.Configuration["Caravan:Orders:V1:Link"] = "https://docs.example.test/orders-v2";
    });

    public async Task DisposeAsync()
    {
        await _orders.DisposeAsync();
        _directory.Dispose();
    }

    [Theory]
    [InlineData("/api/v1/orders")]
    [InlineData("/api/orders")]
    [InlineData("/api/orders?api-version=1.0")]
    public async Task Orders_v1_is_reported_deprecated_with_its_sunset_and_a_link(string path)
    {
        using var response = await _orders.Client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("2.0", Header(response, "api-supported-versions"));
        Assert.Equal("1.0", Header(response, "api-deprecated-versions"));
        Assert.Equal("Wed, 31 Mar 2027 00:00:00 GMT", Header(response, "Sunset"));
        Assert.Equal($"@{new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds()}", Header(response, "Deprecation"));
        var links = response.Headers.GetValues("Link").SelectMany(value => value.Split(',')).ToList();
        Assert.Contains(links, link => link.Contains("<https://docs.example.test/orders-v2>", StringComparison.Ordinal) && link.Contains("rel=\"sunset\"", StringComparison.Ordinal));
        Assert.Contains(links, link => link.Contains("<https://docs.example.test/orders-v2>", StringComparison.Ordinal) && link.Contains("rel=\"deprecation\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Orders_v2_reports_the_versions_but_no_retirement()
    {
        using var response = await _orders.Client.GetAsync(new Uri("/api/v2/orders", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("2.0", Header(response, "api-supported-versions"));
        Assert.Equal("1.0", Header(response, "api-deprecated-versions"));
        Assert.False(response.Headers.Contains("Sunset"));
        Assert.False(response.Headers.Contains("Deprecation"));
    }

    [Fact]
    public async Task A_v1_only_resource_reports_v1_and_nothing_deprecated()
    {
        using var response = await _orders.Client.GetAsync(new Uri("/api/v1/sagas", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("1.0", Header(response, "api-supported-versions"));
        Assert.False(response.Headers.Contains("api-deprecated-versions"));
        Assert.False(response.Headers.Contains("Sunset"));
    }

    [Fact]
    public async Task An_unsupported_url_version_reports_the_versions_that_exist()
    {
        using var response = await _orders.Client.GetAsync(new Uri("/api/v2/sagas", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("1.0", Header(response, "api-supported-versions"));
    }

    private static string Header(HttpResponseMessage response, string name) => string.Join(", ", response.Headers.GetValues(name));
}
