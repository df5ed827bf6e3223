using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Caravan.ServiceDefaults.Data;

/// <summary>
/// The few places where the SQL of a service differs between SQLite and PostgreSQL, chosen by the
/// connection the SQL runs on (<see cref="Of"/>), so that service code is the same on both engines.
/// Everything else — DDL with TEXT and BIGINT columns, timestamps as round-trip text, <c>ON CONFLICT</c>,
/// guarded UPDATEs, <c>LIMIT</c>/<c>OFFSET</c> — is written once in SQL both engines run.
/// <para>
/// What differs is concurrency: SQLite has one writer at a time, PostgreSQL runs writers side by side at
/// READ COMMITTED. Code that reads rows and then writes from what it read takes <see cref="LockRows"/>
/// (a no-op on SQLite, whose write transaction already excludes every other writer).
/// </para>
/// </summary>
public sealed class SqlDialect
{
    // SQLite's extended result codes SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY.
    private const int SqliteUniqueViolation = 2067;
    private const int SqlitePrimaryKeyViolation = 1555;

    /// <summary>SQLite, where the write transaction holds the database's single write lock.</summary>
    public static readonly SqlDialect Sqlite = new(isPostgres: false);

    /// <summary>PostgreSQL, at its default isolation, READ COMMITTED.</summary>
    public static readonly SqlDialect Postgres = new(isPostgres: true);

    private SqlDialect(bool isPostgres) => IsPostgres = isPostgres;

    public bool IsPostgres { get; }

    /// <summary>
    /// <c>FOR UPDATE</c> (with a leading space) on PostgreSQL, to end a SELECT whose rows the transaction
    /// then changes from what it read; empty on SQLite.
    /// </summary>
    public string LockRows => IsPostgres ? " FOR UPDATE" : string.Empty;

    /// <summary>The dialect of <paramref name="connection"/>'s engine.</summary>
    public static SqlDialect Of(DbConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection is NpgsqlConnection ? Postgres : Sqlite;
    }

    /// <summary>
    /// True when <paramref name="exception"/> is a UNIQUE or PRIMARY KEY violation on either engine
    /// (PostgreSQL SQLSTATE 23505; SQLite's SQLITE_CONSTRAINT_UNIQUE or _PRIMARYKEY).
    /// </summary>
    public static bool IsUniqueViolation(Exception exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException sqlite => sqlite.SqliteExtendedErrorCode is SqliteUniqueViolation or SqlitePrimaryKeyViolation,
        _ => false,
    };

    /// <summary>
    /// <c>column</c> equals any value of the list parameter <paramref name="parameter"/>: Dapper expands a
    /// list into <c>IN (@p1, @p2, …)</c> on SQLite but sends it as one array to PostgreSQL, which needs <c>= ANY</c>.
    /// </summary>
    /// <param name="column">A column name from the code, never from a request.</param>
    /// <param name="parameter">The name of the parameter that holds the list.</param>
    public string IsAnyOf(string column, string parameter) =>
        IsPostgres ? $"{column} = ANY(@{parameter})" : $"{column} IN @{parameter}";

    /// <summary>
    /// A statement that makes concurrent runs of schema changes queue behind each other until their
    /// transaction ends (PostgreSQL's CREATE TABLE IF NOT EXISTS is not safe against itself), keyed by
    /// <paramref name="key"/>; null on SQLite, whose write transaction already serialises them.
    /// </summary>
    public string? SerializeTransactions(long key) =>
        IsPostgres ? $"SELECT pg_advisory_xact_lock({key})" : null;
}
