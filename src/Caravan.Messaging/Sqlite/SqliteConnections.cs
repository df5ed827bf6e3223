using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Caravan.Messaging.Sqlite;

/// <summary>
/// Opens SQLite connections the way Caravan needs them: WAL (readers never block the writer and
/// several processes can share the file), synchronous=NORMAL (a committed transaction survives a
/// process crash; the last ones may be lost on power failure — set <c>Durability=Full</c> to trade
/// speed for that too) and a busy timeout so that writers from several processes queue instead of failing.
/// </summary>
internal static class SqliteConnections
{
    private static readonly ConcurrentDictionary<string, bool> WalEnabled = new(StringComparer.Ordinal);

    // Microsoft.Data.Sqlite's pool can lend one native connection to two concurrent openers
    // (dotnet/efcore#39008: Activate marks a pooled connection active before it records its owner, outside
    // the pool's lock, and an open that finds the pool empty meanwhile "reclaims" it as leaked). Two owners
    // of one handle see each other's transactions. Opening one connection at a time closes that window.
    private static readonly Lock OpenGate = new();

    public static string BuildConnectionString(string path) =>
        new SqliteConnectionStringBuilder
        {
            DataSource = Path.GetFullPath(path),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 60,
        }.ToString();

    public static async Task<SqliteConnection> OpenAsync(
        string connectionString, bool fullDurability, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            lock (OpenGate)
            {
                // SqliteConnection opens synchronously anyway; taking a pooled connection takes microseconds.
                connection.Open();
            }

            if (!WalEnabled.ContainsKey(connectionString))
            {
                await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;", cancellationToken);
                WalEnabled[connectionString] = true;
            }

            await ExecuteAsync(
                connection,
                fullDurability
                    ? "PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000;"
                    : "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
                cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task ExecuteAsync(
        SqliteConnection connection, SqliteTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static long ToUnixMs(DateTimeOffset value) => value.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromUnixMs(long value) => DateTimeOffset.FromUnixTimeMilliseconds(value);
}
