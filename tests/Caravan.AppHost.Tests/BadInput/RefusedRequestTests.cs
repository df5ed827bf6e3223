using System.Text.Json;

namespace Caravan.AppHost.Tests.BadInput;

/// <summary>
/// Every case of <see cref="BadRequestCases"/> through the gateway of the real system: the answer is the
/// expected 4xx as <c>application/problem+json</c> with its <c>code</c>, naming each field the case is
/// about, and the totals of every list and the seeded records are the same afterwards.
/// </summary>
[Collection(BadInputCollection.Name)]
public sealed class RefusedRequestTests(BadInputFixture fixture)
{
    public static TheoryData<string> Cases => BadRequestCases.Names;

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadRequest_GetsA4xxProblem_AndNothingIsWritten(string name)
    {
        var badCase = BadRequestCases.All[name];
        var before = await fixture.ReadStateAsync();

        using var request = badCase.ToRequest(fixture);
        using var response = await fixture.Client.SendAsync(request);

        var problem = await AssertProblemAsync(response, badCase.Status, badCase.Code);
        var named = Named(problem);
        Assert.All(badCase.Fields, field => Assert.True(named.Contains(field), $"The problem names [{string.Join(", ", named)}], not '{field}': {problem}"));
        if (badCase.Code == BadRequestCase.ValidationError)
        {
            Assert.True(named.Count > 0, $"A validation problem names no field: {problem}");
        }

        before.AssertUnchanged(await fixture.ReadStateAsync());
    }

    /// <summary>Asserts a 4xx problem with <paramref name="status"/> and <paramref name="code"/>; returns it.</summary>
    internal static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, int status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"Expected {status}, got {(int)response.StatusCode}: {Shorten(body)}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize<JsonElement>(body);
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.True(problem.TryGetProperty("code", out var actual) && actual.GetString() == code, $"Expected code {code}: {Shorten(body)}");
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("message").GetString()));
        return problem;
    }

    /// <summary>The fields a problem names in its <c>details</c>.</summary>
    internal static HashSet<string> Named(JsonElement problem) =>
        problem.TryGetProperty("details", out var details)
            ? [.. details.EnumerateArray().Select(detail => detail.GetProperty("field").GetString()!)]
            : [];

    private static string Shorten(string text) => text.Length > 2000 ? text[..2000] + "…" : text;
}
