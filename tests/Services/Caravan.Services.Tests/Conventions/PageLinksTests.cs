using Caravan.ServiceDefaults.Paging;
using Microsoft.AspNetCore.Http;

namespace Caravan.Services.Tests.Conventions;

/// <summary>The Link header arithmetic and its URLs, at the edges.</summary>
public sealed class PageLinksTests
{
    [Fact]
    public void FirstOfSeveralPages_HasFirstNextLast_AndNoPrev()
    {
        var links = Parse(PageLinks.Format(Request("/api/v1/users", "?page=1&limit=10"), new Pagination(1, 10, 25, 3)));

        Assert.Equal(["first", "next", "last"], links.Keys);
        Assert.Equal("/api/v1/users?page=1&limit=10", links["first"]);
        Assert.Equal("/api/v1/users?page=2&limit=10", links["next"]);
        Assert.Equal("/api/v1/users?page=3&limit=10", links["last"]);
    }

    [Fact]
    public void AMiddlePage_HasAllFour()
    {
        var links = Parse(PageLinks.Format(Request("/x", "?page=2&limit=10"), new Pagination(2, 10, 25, 3)));

        Assert.Equal(["first", "prev", "next", "last"], links.Keys);
        Assert.Equal("/x?page=1&limit=10", links["prev"]);
        Assert.Equal("/x?page=3&limit=10", links["next"]);
    }

    [Fact]
    public void TheLastPage_HasNoNext()
    {
        var links = Parse(PageLinks.Format(Request("/x", "?page=3&limit=10"), new Pagination(3, 10, 30, 3)));

        Assert.Equal(["first", "prev", "last"], links.Keys);
        Assert.Equal("/x?page=2&limit=10", links["prev"]);
        Assert.Equal("/x?page=3&limit=10", links["last"]);
    }

    [Fact]
    public void AnEmptyCollection_PointsFirstAndLastAtPage1_WithNoPrevOrNext()
    {
        var links = Parse(PageLinks.Format(Request("/x", string.Empty), new Pagination(1, 20, 0, 0)));

        Assert.Equal(["first", "last"], links.Keys);
        Assert.Equal("/x?page=1&limit=20", links["first"]);
        Assert.Equal("/x?page=1&limit=20", links["last"]);
    }

    [Fact]
    public void APageBeyondTheLast_PointsPrevAtTheLastPage_AndHasNoNext()
    {
        var links = Parse(PageLinks.Format(Request("/x", "?page=9&limit=10"), new Pagination(9, 10, 25, 3)));

        Assert.Equal(["first", "prev", "last"], links.Keys);
        Assert.Equal("/x?page=3&limit=10", links["prev"]);
    }

    [Fact]
    public void OtherQueryParameters_AreKept_RepeatedOnesToo_AndPagingIsReplacedWhateverItsCase()
    {
        var request = Request("/api/v1/orders", "?userId=a&PAGE=2&status=Pending&userId=b&Limit=5&q=x%20y%26z");

        var links = Parse(PageLinks.Format(request, new Pagination(2, 5, 12, 3)));

        Assert.Equal("/api/v1/orders?userId=a&userId=b&status=Pending&q=x%20y%26z&page=3&limit=5", links["next"]);
    }

    [Fact]
    public void ThePathBase_IsPartOfTheTarget()
    {
        var request = Request("/users", "?page=1");
        request.PathBase = "/api/v1";

        Assert.Equal("/api/v1/users?page=1&limit=10", Parse(PageLinks.Format(request, new Pagination(1, 10, 1, 1)))["first"]);
    }

    /// <summary>The header's targets by relation, in header order.</summary>
    internal static Dictionary<string, string> Parse(string header)
    {
        var links = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in header.Split(", ", StringSplitOptions.None))
        {
            var match = System.Text.RegularExpressions.Regex.Match(part, "^<(?<target>[^>]*)>; rel=\"(?<rel>[a-z]+)\"$");
            Assert.True(match.Success, $"'{part}' is not a link");
            links.Add(match.Groups["rel"].Value, match.Groups["target"].Value);
        }

        return links;
    }

    private static HttpRequest Request(string path, string query)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query.Length == 0 ? null : query);
        return context.Request;
    }
}
