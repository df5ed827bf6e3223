using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;

namespace Caravan.ServiceDefaults.Paging;

/// <summary>
/// The RFC 8288 <c>Link</c> header of a page: <c>first</c> and <c>last</c> always, <c>prev</c> unless
/// this is page 1, <c>next</c> unless this is the last page or beyond it.
/// <list type="bullet">
/// <item>Targets are relative references (path-base + path + query, no scheme or host), resolved by the
/// client against the URL it asked for. Behind the gateway a service sees its own host, not the public
/// one; the gateway forwards the path unchanged, so the relative form is right on both sides.</item>
/// <item>Every other query parameter is kept (repeated ones included, in order); <c>page</c> and
/// <c>limit</c> are replaced and written last.</item>
/// <item>An empty collection (total 0, pages 0) still has one page to show: <c>first</c> and <c>last</c>
/// both name page 1. A page past the end gets <c>prev</c> = the last page, not page − 1.</item>
/// </list>
/// </summary>
public static class PageLinks
{
    public const string HeaderName = "Link";

    /// <summary>Adds the header for <paramref name="pagination"/> to the response of <paramref name="context"/>.</summary>
    public static void Add(HttpContext context, Pagination pagination)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Headers.Append(HeaderName, Format(context.Request, pagination));
    }

    /// <summary>The header value, e.g. <c>&lt;/api/v1/users?page=1&amp;limit=20&gt;; rel="first", …</c>.</summary>
    public static string Format(HttpRequest request, Pagination pagination)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(pagination);
        var last = (int)Math.Clamp(pagination.Pages, 1, int.MaxValue);
        var links = new List<string>(4) { Link(request, 1, pagination.Limit, "first") };
        if (pagination.Page > 1)
        {
            links.Add(Link(request, Math.Min(pagination.Page - 1, last), pagination.Limit, "prev"));
        }

        if (pagination.Page < last)
        {
            links.Add(Link(request, pagination.Page + 1, pagination.Limit, "next"));
        }

        links.Add(Link(request, last, pagination.Limit, "last"));
        return string.Join(", ", links);
    }

    private static string Link(HttpRequest request, int page, int limit, string relation)
    {
        var query = new QueryBuilder();
        foreach (var (key, values) in request.Query)
        {
            if (!IsPagingKey(key))
            {
                query.Add(key, (IEnumerable<string>)values!);
            }
        }

        query.Add("page", page.ToString(CultureInfo.InvariantCulture));
        query.Add("limit", limit.ToString(CultureInfo.InvariantCulture));
        var target = request.PathBase.Add(request.Path).ToUriComponent() + query.ToQueryString().ToUriComponent();
        return $"<{target}>; rel=\"{relation}\"";
    }

    private static bool IsPagingKey(string key) =>
        string.Equals(key, "page", StringComparison.OrdinalIgnoreCase) || string.Equals(key, "limit", StringComparison.OrdinalIgnoreCase);
}
