using System.Net;
using System.Text.Json;

namespace Caravan.Services.Tests.Conventions;

/// <summary>Asserts Caravan's error shape: RFC 9457 problem+json with code, message, details, requestId and traceId.</summary>
internal static class ProblemAssert
{
    /// <summary>
    /// Asserts <paramref name="response"/> is a <paramref name="status"/> problem with <paramref name="code"/>
    /// whose <c>details</c> name exactly <paramref name="fields"/> (none: no <c>details</c> at all).
    /// </summary>
    public static async Task<JsonElement> ShapeAsync(HttpResponseMessage response, HttpStatusCode status, string code, params string[] fields)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadJsonAsync();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        var expectedMessage = problem.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String
            ? detail.GetString()
            : problem.GetProperty("title").GetString();
        Assert.Equal(expectedMessage, problem.GetProperty("message").GetString());
        Assert.Equal(response.RequestMessage!.RequestUri!.AbsolutePath, problem.GetProperty("instance").GetString());

        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        Assert.Equal(requestId, problem.GetProperty("requestId").GetString());
        Assert.Matches("^[0-9a-f]{32}$", problem.GetProperty("traceId").GetString());

        if (fields.Length == 0)
        {
            Assert.False(problem.TryGetProperty("details", out _), "a problem without field errors has no details");
        }
        else
        {
            var details = problem.GetProperty("details").EnumerateArray().ToList();
            Assert.All(details, entry => Assert.False(string.IsNullOrWhiteSpace(entry.GetProperty("message").GetString())));
            Assert.Equal(fields.Order(StringComparer.Ordinal), details.Select(entry => entry.GetProperty("field").GetString()!).Distinct().Order(StringComparer.Ordinal));
            var errors = problem.GetProperty("errors").EnumerateObject().Sum(pair => pair.Value.GetArrayLength());
            Assert.Equal(errors, details.Count);
        }

        return problem;
    }
}
