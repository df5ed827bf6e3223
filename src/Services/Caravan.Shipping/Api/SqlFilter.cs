using Caravan.ServiceDefaults.Paging;
using Dapper;

namespace Caravan.Shipping.Api;

/// <summary>
/// A WHERE clause of equality conditions on constant column names, each added only when its value
/// was given; the values travel as parameters. (Optional filters written as <c>@x IS NULL OR …</c>
/// would not run on PostgreSQL, which cannot type an untyped null parameter.)
/// </summary>
internal sealed class SqlFilter
{
    private readonly List<string> _conditions = [];

    public DynamicParameters Parameters { get; } = new();

    /// <summary>" WHERE a = @a AND …", or empty when no condition was added.</summary>
    public string Where => _conditions.Count == 0 ? string.Empty : " WHERE " + string.Join(" AND ", _conditions);

    /// <param name="column">A column name from the code, never from the request.</param>
    /// <param name="value">The value to match; null adds nothing.</param>
    public void Add(string column, string? value)
    {
        if (value is not null)
        {
            _conditions.Add($"{column} = @{column}");
            Parameters.Add(column, value);
        }
    }

    /// <summary>The filter's parameters plus <c>@limit</c> and <c>@offset</c> of <paramref name="request"/>.</summary>
    public DynamicParameters WithPage(PageRequest request)
    {
        var parameters = new DynamicParameters(Parameters);
        parameters.Add("limit", request.Limit);
        parameters.Add("offset", request.Offset);
        return parameters;
    }
}
