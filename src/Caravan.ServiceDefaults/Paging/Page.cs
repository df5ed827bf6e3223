namespace Caravan.ServiceDefaults.Paging;

/// <summary>The list shape of every collection endpoint: <c>{ "data": [...], "pagination": {...} }</c>.</summary>
public sealed record Page<T>(IReadOnlyList<T> Data, Pagination Pagination);

public sealed record Pagination(int Page, int Limit, long Total, long Pages)
{
    public static Pagination Of(PageRequest request, long total) =>
        new(request.Page, request.Limit, total, (total + request.Limit - 1) / request.Limit);
}

/// <summary>A validated <c>page</c> (from 1) and <c>limit</c> (1–100, default 20).</summary>
public readonly record struct PageRequest(int Page, int Limit)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    public int Offset => (Page - 1) * Limit;

    /// <summary>Reads the query values; errors name the field.</summary>
    public static PageRequest Parse(int? page, int? limit, Problems.FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var p = page ?? 1;
        var l = limit ?? DefaultLimit;
        errors.Check(p >= 1, "page", "'page' must be 1 or more.");
        errors.Check(l is >= 1 and <= MaxLimit, "limit", $"'limit' must be between 1 and {MaxLimit}.");
        return new PageRequest(Math.Max(p, 1), Math.Clamp(l, 1, MaxLimit));
    }
}
