using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Caravan.AppHost.Tests.Gateway;

/// <summary>
/// What a request may carry through the gateway (here: bodies up to 64 KiB, headers up to 16 KiB, JSON
/// nested 8 deep): more gets 413, 431 or 400 without reaching the service; a body within the limits
/// reaches it byte for byte.
/// </summary>
public sealed class GatewayRequestLimitsTests : IAsyncLifetime
{
    private const int MaxBody = 64 * 1024;
    private static readonly Uri s_orders = new("/api/v1/orders", UriKind.Relative);

    private StandInServices? _services;
    private GatewayHost? _gateway;

    public async Task InitializeAsync()
    {
        _services = await StandInServices.StartAsync(["orders"]);
        _gateway = await GatewayHost.StartAsync(_services.Addresses, new Dictionary<string, string?>
        {
            ["Caravan:Gateway:Limits:MaxRequestBodySize"] = $"{MaxBody}",
            ["Caravan:Gateway:Limits:MaxRequestHeadersTotalSize"] = $"{16 * 1024}",
            ["Caravan:Gateway:Limits:MaxJsonDepth"] = "8",
        });
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/octet-stream")]
    public async Task BodyOverTheLimit_Gets413Problem(string contentType)
    {
        using var client = _gateway!.CreateClient();
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("\"" + new string('x', MaxBody) + "\""));
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);

        using var response = await client.PostAsync(s_orders, content);

        Assert.False(response.Headers.Contains(StandInServices.InstanceHeader));
        await ProblemAssert.IsAsync(response, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/octet-stream")]
    public async Task ChunkedBodyOverTheLimit_Gets413Problem(string contentType)
    {
        using var client = _gateway!.CreateClient();
        using var content = new StreamContent(new MemoryStream(new byte[MaxBody * 2]));
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, s_orders) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await client.SendAsync(request);

        await ProblemAssert.IsAsync(response, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
    }

    [Fact]
    public async Task HugeHeaders_Get431()
    {
        using var client = _gateway!.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, s_orders);
        request.Headers.Add("X-Padding", new string('h', 20 * 1024));

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task JsonNestedTooDeep_Gets400Problem_NamingBody()
    {
        using var client = _gateway!.CreateClient();
        using var content = Json(new string('[', 9) + new string(']', 9));

        using var response = await client.PostAsync(s_orders, content);

        Assert.False(response.Headers.Contains(StandInServices.InstanceHeader));
        var problem = await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.True(problem.GetProperty("errors").TryGetProperty("body", out _));
        Assert.Equal("body", problem.GetProperty("details")[0].GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/merge-patch+json")]
    [InlineData("application/octet-stream")]
    public async Task BodyWithinLimits_IsForwardedByteForByte(string contentType)
    {
        using var client = _gateway!.CreateClient();
        // JSON nested exactly to the limit, with odd spacing, escapes and non-ASCII text, padded near the size limit.
        var json = "{ \"a\" :[[[[[[ {\"b\":\"caf\u00e9 \\u00e9 \\\"q\\\"\"} ]]]]]],\n\t\"pad\":\"" + new string('p', MaxBody - 200) + "\" }";
        var body = Encoding.UTF8.GetBytes(json);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);

        using var response = await client.PostAsync(s_orders, content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task MalformedJson_IsLeftToTheService()
    {
        using var client = _gateway!.CreateClient();
        var body = Encoding.UTF8.GetBytes("{\"a\": [1, 2");
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await client.PostAsync(s_orders, content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync());
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
