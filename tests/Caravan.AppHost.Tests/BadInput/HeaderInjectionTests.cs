using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Caravan.AppHost.Tests.BadInput;

/// <summary>
/// CR/LF in <c>X-Request-Id</c> and <c>Idempotency-Key</c>. HttpClient refuses to send such headers,
/// so these requests are written to the gateway's socket by hand. Whatever the gateway makes of the
/// bytes, no header the caller smuggled in comes back in the response, and the answer is a 4xx.
/// A CR inside a header value or a folded header is refused by Kestrel itself, before any middleware
/// runs, so that 400 has no problem body; the ones that reach the gateway are problems.
/// </summary>
[Collection(BadInputCollection.Name)]
public sealed class HeaderInjectionTests(BadInputFixture fixture)
{
    private const string Unknown = "/api/v1/users/" + BadRequestCases.UnknownId;

    /// <summary>Name → (request line and headers before the blank line, expected status, whether a problem body is expected).</summary>
    private static readonly Dictionary<string, (string Head, int Status, bool Problem)> s_cases = new(StringComparer.Ordinal)
    {
        ["X-Request-Id then CRLF and a second header line"] = ($"GET {Unknown} HTTP/1.1\r\nX-Request-Id: probe-1\r\nX-Injected: yes\r\n", 404, true),
        ["X-Request-Id with a bare CR"] = ($"GET {Unknown} HTTP/1.1\r\nX-Request-Id: probe-2\rX-Injected: yes\r\n", 400, false),
        ["X-Request-Id with a bare LF"] = ($"GET {Unknown} HTTP/1.1\r\nX-Request-Id: probe-3\nX-Injected: yes\r\n", 0, false),
        ["X-Request-Id folded onto a second line"] = ($"GET {Unknown} HTTP/1.1\r\nX-Request-Id: probe-4\r\n X-Injected: yes\r\n", 400, false),
        ["Idempotency-Key with a bare CR"] = ("POST /api/v1/orders HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nIdempotency-Key: key\rX-Injected: yes\r\n", 400, false),
        ["Idempotency-Key with a bare LF"] = ("POST /api/v1/orders HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nIdempotency-Key: key\nX-Injected: yes\r\n", 0, false),
    };

    public static TheoryData<string> Cases => [.. s_cases.Keys];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task CrLfInAHeader_IsRefusedOrNeutralised_AndNothingIsEchoed(string name)
    {
        var (head, status, problem) = s_cases[name];
        var before = await fixture.ReadStateAsync();
        var body = head.StartsWith("POST", StringComparison.Ordinal) ? "{}" : string.Empty;

        var response = await SendRawAsync($"{head}Host: 127.0.0.1\r\nConnection: close\r\n\r\n{body}");

        var (statusLine, headers) = ParseHead(response);
        var actual = int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(status == 0 ? actual is >= 400 and < 500 : actual == status, $"Got: {response}");
        Assert.DoesNotContain(headers, header => header.StartsWith("X-Injected", StringComparison.OrdinalIgnoreCase));
        var requestIds = headers.Where(header => header.StartsWith("X-Request-Id:", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.All(requestIds, header => Assert.DoesNotContain("Injected", header, StringComparison.OrdinalIgnoreCase));
        if (problem)
        {
            Assert.Contains(headers, header => header.Equals("Content-Type: application/problem+json", StringComparison.OrdinalIgnoreCase)
                || header.StartsWith("Content-Type: application/problem+json;", StringComparison.OrdinalIgnoreCase));
        }

        before.AssertUnchanged(await fixture.ReadStateAsync());
    }

    [Fact]
    public async Task PercentEncodedCrLfInXRequestId_IsReplacedByAGeneratedId()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Unknown, UriKind.Relative));
        request.Headers.TryAddWithoutValidation("X-Request-Id", "probe%0D%0AX-Injected:%20yes");

        using var response = await fixture.Client.SendAsync(request);

        var problem = await RefusedRequestTests.AssertProblemAsync(response, 404, BadRequestCases.NotFound);
        var echoed = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        Assert.NotEqual("probe%0D%0AX-Injected:%20yes", echoed);
        Assert.Equal(echoed, problem.GetProperty("requestId").GetString());
        Assert.False(response.Headers.Contains("X-Injected"));
    }

    private async Task<string> SendRawAsync(string request)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await client.ConnectAsync(IPAddress.Loopback, fixture.Host.GatewayPort, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), timeout.Token);
        using var received = new MemoryStream();
        await stream.CopyToAsync(received, timeout.Token);
        return Encoding.UTF8.GetString(received.ToArray());
    }

    private static (string StatusLine, List<string> Headers) ParseHead(string response)
    {
        var end = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(end > 0, $"No complete response head: {response}");
        var lines = response[..end].Split("\r\n");
        return (lines[0], [.. lines.Skip(1)]);
    }
}
