using Caravan.Messaging;
using Caravan.ServiceDefaults.Paging;
using Dapper;

namespace Caravan.ServiceDefaults.Data;

/// <summary>
/// A table a read-only API lists and reads rows of: its name, the select list that matches <typeparamref name="TRow"/>'s
/// constructor, the order of its lists (ending with a unique column, so pages are stable) and the column one row is
/// read by. All four come from the code, never from the request.
/// </summary>
/// <typeparam name="TRow">The row as read from the table.</typeparam>
public sealed class ReadModelTable<TRow>(string name, string columns, string orderBy, string idColumn)
{
    /// <summary>The requested page of the rows that match <paramref name="filter"/>, in list order, each mapped to what the API shows.</summary>
    public async Task<Page<TResponse>> ReadPageAsync<TResponse>(
        IServiceDatabase database, SqlFilter filter, PageRequest request, Func<TRow, TResponse> map, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(filter);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await filter.ReadPageAsync(connection, columns, name, orderBy, request, map, cancellationToken);
    }

    /// <summary>The row whose id column holds <paramref name="id"/>, or null when there is none.</summary>
    public async Task<TRow?> FindAsync(IServiceDatabase database, Guid id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<TRow>(new CommandDefinition(
            $"SELECT {columns} FROM {name} WHERE {idColumn} = @id",
            new { id = id.ToString() },
            cancellationToken: cancellationToken));
    }
}
