using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;

namespace Caravan.Sagas;

/// <summary>
/// Saga instances in one table of the service's database, in SQL that SQLite and PostgreSQL both run:
/// the instance as JSON, its status and timestamps as columns to filter on, and a version column for
/// optimistic concurrency (<c>UPDATE … WHERE version = @expected</c>).
/// </summary>
public sealed class SqlSagaStore : ISagaStore
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public async Task EnsureSchemaAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);

        // PostgreSQL's CREATE TABLE IF NOT EXISTS is not safe against itself: two instances starting
        // together can both try to create the table, and one fails on a duplicate catalog row. An
        // advisory lock held to the end of the transaction queues them (SQLite has one writer anyway).
        var serialize = connection.GetType().FullName == "Npgsql.NpgsqlConnection" ? "SELECT pg_advisory_xact_lock(7021453306112);\n" : string.Empty;
        await connection.ExecuteAsync(new CommandDefinition(
            serialize +
            """
            CREATE TABLE IF NOT EXISTS caravan_sagas (
                id TEXT PRIMARY KEY,
                definition TEXT NOT NULL,
                status TEXT NOT NULL,
                state TEXT NOT NULL,
                version BIGINT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS ix_caravan_sagas_status ON caravan_sagas (status, updated_at);
            """,
            transaction: transaction,
            cancellationToken: cancellationToken));
    }

    public async Task InsertAsync(SagaInstance instance, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(connection);
        instance.Version = 1;
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO caravan_sagas (id, definition, status, state, version, created_at, updated_at)
            VALUES (@Id, @Definition, @Status, @State, @Version, @CreatedAt, @UpdatedAt)
            ON CONFLICT (id) DO NOTHING
            """,
            Row(instance),
            transaction,
            cancellationToken: cancellationToken));
        if (inserted == 0)
        {
            instance.Version = 0;
            throw new SagaConcurrencyException(instance.Id, 0);
        }
    }

    public async Task<SagaInstance?> FindAsync(Guid id, DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var state = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT state FROM caravan_sagas WHERE id = @id",
            new { id = id.ToString() },
            transaction,
            cancellationToken: cancellationToken));
        return state is null ? null : Deserialize(state);
    }

    public async Task UpdateAsync(SagaInstance instance, long expectedVersion, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(connection);
        instance.Version = expectedVersion + 1;
        var row = Row(instance);
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE caravan_sagas SET status = @Status, state = @State, version = @Version, updated_at = @UpdatedAt
            WHERE id = @Id AND version = @Expected
            """,
            new { row.Id, row.Status, row.State, row.Version, row.UpdatedAt, Expected = expectedVersion },
            transaction,
            cancellationToken: cancellationToken));
        if (updated == 0)
        {
            instance.Version = expectedVersion;
            throw new SagaConcurrencyException(instance.Id, expectedVersion);
        }
    }

    public async Task<IReadOnlyList<SagaInstance>> QueryAsync(SagaQuery query, DbConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(connection);

        // Only the criteria that were given become conditions: "(@x IS NULL OR column = @x)" would not
        // run on PostgreSQL, which cannot type an untyped null parameter. Columns and operators are constants.
        var conditions = new List<string>();
        var parameters = new DynamicParameters();
        void Add(string condition, string name, string? value)
        {
            if (value is not null)
            {
                conditions.Add(condition);
                parameters.Add(name, value);
            }
        }

        Add("status = @Status", "Status", query.Status?.ToString());
        Add("definition = @Definition", "Definition", query.Definition);
        Add("updated_at < @UpdatedBefore", "UpdatedBefore", query.UpdatedBefore is { } before ? Timestamp(before) : null);
        parameters.Add("Limit", Math.Clamp(query.Limit, 1, 1000));
        var where = conditions.Count == 0 ? string.Empty : " WHERE " + string.Join(" AND ", conditions);
        var states = await connection.QueryAsync<string>(new CommandDefinition(
            $"SELECT state FROM caravan_sagas{where} ORDER BY updated_at, id LIMIT @Limit",
            parameters,
            cancellationToken: cancellationToken));
        return states.Select(Deserialize).ToList();
    }

    internal static string Timestamp(DateTimeOffset value) => value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static SagaInstance Deserialize(string state) =>
        JsonSerializer.Deserialize<SagaInstance>(state, Json) ?? throw new InvalidOperationException("A stored saga has no state.");

    private static SagaRow Row(SagaInstance instance) => new(
        instance.Id.ToString(),
        instance.Definition,
        instance.Status.ToString(),
        JsonSerializer.Serialize(instance, Json),
        instance.Version,
        Timestamp(instance.CreatedAt),
        Timestamp(instance.UpdatedAt));

    private sealed record SagaRow(string Id, string Definition, string Status, string State, long Version, string CreatedAt, string UpdatedAt);
}
