using System.Data.Common;
using Caravan.ServiceDefaults.Paging;
using Dapper;

namespace Caravan.ServiceDefaults.Data;

/// <summary>
/// A WHERE clause of conditions on constant column names, each equality added only when its value was
/// given; the values travel as Dapper parameters. Optional filters written as <c>(@x IS NULL OR col = @x)</c>
/// do not run on PostgreSQL, which cannot type an untyped null parameter: leaving the condition out does.
/// A list condition is written for the engine the filter runs on (<see cref="SqlDialect.IsAnyOf"/>).
/// </summary>
public sealed class SqlFilter
{
    private readonly List<Func<SqlDialect, string>> _conditions = [];

    /// <summary>The values of the conditions added so far, each named after its column.</summary>
    public DynamicParameters Parameters { get; } = new();

    /// <summary><c>" WHERE a = @a AND …"</c> (with a leading space) in <paramref name="dialect"/>, or empty when no condition was added.</summary>
    public string WhereFor(SqlDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        return _conditions.Count == 0 ? string.Empty : " WHERE " + string.Join(" AND ", _conditions.Select(condition => condition(dialect)));
    }

    /// <summary>Adds <c>column = @column</c> when <paramref name="value"/> is given.</summary>
    /// <param name="column">A column name from the code, never from the request; it also names the parameter.</param>
    /// <param name="value">The value to match; null adds nothing.</param>
    public void Add(string column, string? value)
    {
        if (value is not null)
        {
            var condition = $"{column} = @{column}";
            _conditions.Add(_ => condition);
            Parameters.Add(column, value);
        }
    }

    /// <summary>Adds <c>column IN (…)</c> when <paramref name="values"/> holds any; empty adds nothing.</summary>
    /// <param name="column">A column name from the code, never from the request; it also names the parameter.</param>
    /// <param name="values">The values to match, each a parameter (Dapper expands the list).</param>
    public void AddAny(string column, IReadOnlyCollection<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count > 0)
        {
            _conditions.Add(dialect => dialect.IsAnyOf(column, column));
            Parameters.Add(column, values);
        }
    }

    /// <summary>Adds a condition that always applies and needs no parameter, e.g. <c>deleted_at IS NULL</c>.</summary>
    /// <param name="condition">Constant SQL from the code, never from the request.</param>
    public void AddCondition(string condition) => _conditions.Add(_ => condition);

    /// <summary>The filter's parameters plus <c>@limit</c> and <c>@offset</c> of <paramref name="request"/>.</summary>
    public DynamicParameters WithPage(PageRequest request)
    {
        var parameters = new DynamicParameters(Parameters);
        parameters.Add("limit", request.Limit);
        parameters.Add("offset", request.Offset);
        return parameters;
    }

    /// <summary>
    /// Counts the rows of <paramref name="table"/> that match, reads the requested page of them in
    /// <paramref name="orderBy"/> order and maps each row to the API shape.
    /// </summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="columns">The select list that matches <typeparamref name="TRow"/>'s constructor.</param>
    /// <param name="table">The table name, from the code.</param>
    /// <param name="orderBy">The ORDER BY list, from the code; it should end with a unique column so pages are stable.</param>
    /// <param name="request">The page to read.</param>
    /// <param name="map">Turns a row into what the API shows.</param>
    /// <param name="cancellationToken">Cancels the queries.</param>
    public async Task<Page<TResponse>> ReadPageAsync<TRow, TResponse>(
        DbConnection connection,
        string columns,
        string table,
        string orderBy,
        PageRequest request,
        Func<TRow, TResponse> map,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(map);
        var where = WhereFor(SqlDialect.Of(connection));
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(*) FROM {table}{where}", Parameters, cancellationToken: cancellationToken));
        var rows = await connection.QueryAsync<TRow>(new CommandDefinition(
            $"SELECT {columns} FROM {table}{where} ORDER BY {orderBy} LIMIT @limit OFFSET @offset",
            WithPage(request),
            cancellationToken: cancellationToken));
        return new Page<TResponse>([.. rows.Select(map)], Pagination.Of(request, total));
    }
}
