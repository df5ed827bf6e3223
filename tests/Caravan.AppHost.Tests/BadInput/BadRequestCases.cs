using System.Text;

namespace Caravan.AppHost.Tests.BadInput;

/// <summary>
/// The catalogue of requests every public endpoint must refuse with a 4xx problem, by name (the
/// theory rows are names, so each shows as its own test). Bodies that every write endpoint gets
/// alike come from <see cref="BodyCases"/>; the rest are specific to each endpoint's fields.
/// </summary>
internal static partial class BadRequestCases
{
    public const string Sql = "'; DROP TABLE users; --";
    public const string Script = "<script>alert(1)</script>";
    public const string UnknownId = "7d1c6a3e-0000-4000-8000-00000000beef";
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
    public const string NotFound = "NOT_FOUND";

    /// <summary>One byte over the gateway's 1 MiB body limit once quoted.</summary>
    public static readonly string OverLimit = new('x', (1024 * 1024) + 1);

    public static readonly string Huge = new('n', 100 * 1024);

    private static readonly Lazy<IReadOnlyDictionary<string, BadRequestCase>> s_all = new(Build);

    public static IReadOnlyDictionary<string, BadRequestCase> All => s_all.Value;

    public static TheoryData<string> Names => [.. All.Keys];

    public static string Escaped(string value) => Uri.EscapeDataString(value);

    /// <summary>A JSON string literal holding <paramref name="value"/>.</summary>
    public static string Quote(string value) => System.Text.Json.JsonSerializer.Serialize(value);

    private static Dictionary<string, BadRequestCase> Build()
    {
        var cases = new Dictionary<string, BadRequestCase>(StringComparer.Ordinal);
        foreach (var item in UserCases().Concat(ProductCases()).Concat(OrderCases()).Concat(SagaCases()).Concat(ReadOnlyCases()).Concat(GraphQLCases()))
        {
            Assert.True(cases.TryAdd(item.Name, item), $"Two bad-input cases are named '{item.Name}'.");
        }

        return cases;
    }

    /// <summary>
    /// What every JSON write endpoint gets: unreadable, oversized, over-deep, mis-typed bodies.
    /// <paramref name="textField"/> is a string field of the body, used for invalid UTF-8;
    /// <paramref name="emptyBodyField"/> is the field an empty body is reported under.
    /// </summary>
    private static IEnumerable<BadRequestCase> BodyCases(string method, string path, string textField, IReadOnlyDictionary<string, string>? headers = null, string emptyBodyField = "body")
    {
        var label = $"{method} {path}";
        headers ??= new Dictionary<string, string>(StringComparer.Ordinal);
        BadRequestCase Case(string what) => new($"{label}: {what}", method, path) { Headers = headers };

        yield return Case("malformed JSON") with { Json = "{\"" + textField + "\": \"x\", " };
        yield return Case("not JSON at all") with { Json = "this is not json" };
        yield return Case("a JSON array instead of an object") with { Json = "[1, 2, 3]", Fields = ["body"] };
        yield return Case("a JSON string instead of an object") with { Json = "\"hello\"", Fields = ["body"] };
        yield return Case("an empty JSON body") with { Json = string.Empty, Fields = [emptyBodyField] };
        yield return Case("invalid UTF-8 bytes") with
        {
            Bytes = [.. Encoding.UTF8.GetBytes("{\"" + textField + "\":\"a"), 0xFF, 0xFE, 0xC3, (byte)'"', (byte)'}'],
        };
        yield return Case("JSON nested 1000 deep") with
        {
            Json = "{\"" + textField + "\":" + new string('[', 1000) + new string(']', 1000) + "}",
            Fields = ["body"],
        };
        yield return Case("a body over 1 MiB") with { Json = "{\"" + textField + "\":\"" + OverLimit + "\"}", Status = 413, Code = PayloadTooLarge };
        yield return Case("a chunked body over 1 MiB") with { Json = "{\"" + textField + "\":\"" + OverLimit + "\"}", Chunked = true, Status = 413, Code = PayloadTooLarge };
        yield return Case("Content-Type text/plain") with { Json = "{}", ContentType = "text/plain", Status = 415, Code = "UNSUPPORTED_MEDIA_TYPE" };
        yield return Case("Content-Type application/xml") with { Json = "<user><name>x</name></user>", ContentType = "application/xml", Status = 415, Code = "UNSUPPORTED_MEDIA_TYPE" };
        yield return Case("no Content-Type") with { Json = "{}", ContentType = null, Status = 415, Code = "UNSUPPORTED_MEDIA_TYPE" };
    }

    private static IEnumerable<BadRequestCase> NotFoundIds(string method, string path, string? body = null)
    {
        foreach (var (what, id) in new[] { ("a non-GUID id", "not-a-guid"), ("an unknown GUID", UnknownId), ("an SQL-like id", Sql), ("a script id", Script) })
        {
            yield return new BadRequestCase($"{method} {path}: {what}", method, path.Replace("{id}", Escaped(id), StringComparison.Ordinal))
            {
                Json = body,
                Status = 404,
                Code = NotFound,
            };
        }
    }

    /// <summary>Bad <c>page</c> / <c>limit</c> and filters of a list endpoint.</summary>
    private static IEnumerable<BadRequestCase> ListCases(string path, params (string Query, string Field)[] filters)
    {
        (string Query, string Field)[] paging =
        [
            ("page=0", "page"), ("page=-1", "page"), ("page=abc", "page"), ("page=2147483648", "page"),
            ("limit=0", "limit"), ("limit=101", "limit"), ("limit=1e309", "limit"), ("limit=" + Escaped(Sql), "limit"),
        ];
        foreach (var (query, field) in paging.Concat(filters))
        {
            yield return new BadRequestCase($"GET {path}?{query}", "GET", $"{path}?{query}") { Fields = [field] };
        }
    }
}
