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

    /// <summary>
    /// Reads <c>page</c> and <c>limit</c> from the raw query strings, so that a value that is not a
    /// number (<c>?page=abc</c>) is reported under its field name like any other bad value.
    /// </summary>
    public static PageRequest Parse(string? page, string? limit, Problems.FieldErrors errors) =>
        Parse(Number(page, "page", errors), Number(limit, "limit", errors), errors);

    private static int? Number(string? value, string field, Problems.FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        errors.Add(field, $"'{field}' must be a whole number.");
        return null;
    }
}
