using System.Net.Http.Headers;
using System.Text;

namespace Caravan.AppHost.Tests.BadInput;

/// <summary>
/// One bad request and the problem it must get: a 4xx <c>application/problem+json</c> with
/// <see cref="Code"/>, naming every one of <see cref="Fields"/>. <see cref="Json"/> and <see cref="Path"/>
/// may hold the <see cref="BadInputFixture.Fill"/> placeholders.
/// </summary>
internal sealed record BadRequestCase(string Name, string Method, string Path)
{
    public const string ValidationError = "VALIDATION_ERROR";

    /// <summary>The body as text (sent as UTF-8), or null for <see cref="Bytes"/> or no body.</summary>
    public string? Json { get; init; }

    /// <summary>The body as raw bytes, for bodies that are not valid UTF-8.</summary>
    public IReadOnlyList<byte>? Bytes { get; init; }

    /// <summary>The Content-Type sent with a body; null sends the body without one.</summary>
    public string? ContentType { get; init; } = "application/json";

    public bool Chunked { get; init; }

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public int Status { get; init; } = 400;

    public string Code { get; init; } = ValidationError;

    public IReadOnlyList<string> Fields { get; init; } = [];

    public HttpRequestMessage ToRequest(BadInputFixture fixture)
    {
        var request = new HttpRequestMessage(new HttpMethod(Method), new Uri(fixture.Fill(Path), UriKind.Relative));
        byte[]? body = Bytes is not null ? [.. Bytes] : Json is not null ? Encoding.UTF8.GetBytes(fixture.Fill(Json)) : null;
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            if (ContentType is not null)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
            }
        }

        request.Headers.TransferEncodingChunked = Chunked ? true : null;
        foreach (var (name, value) in Headers)
        {
            Assert.True(request.Headers.TryAddWithoutValidation(name, fixture.Fill(value)), $"HttpClient refused the header {name}.");
        }

        return request;
    }

    public override string ToString() => Name;
}
