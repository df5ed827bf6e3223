using Npgsql;

namespace Caravan.Messaging.Postgres;

/// <summary>
/// Caravan's tables in a service database, versioned: <c>caravan_schema</c> holds one row per
/// component with the version its tables are at, and start-up applies the missing migrations in
/// order, in one transaction, under an advisory lock (so that instances starting together queue
/// instead of racing on CREATE TABLE). A database at a newer version than this build knows is refused.
/// </summary>
internal static class PostgresSchema
{
    public const string Component = "caravan.messaging";

    // Any constant shared by every Caravan process: the advisory lock that serializes migrations.
    private const long MigrationLock = 0x43_61_72_61_76_61_6E;

    // Migration n brings the tables from version n to n + 1. Append only; never edit a shipped one.
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE IF NOT EXISTS caravan_outbox (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            destination_kind smallint NOT NULL,
            destination text NULL,
            message_id uuid NOT NULL,
            message_type text NOT NULL,
            priority smallint NOT NULL,
            metadata text NOT NULL,
            body bytea NOT NULL,
            due_at timestamptz NULL,
            claimed_by text NULL,
            claimed_until timestamptz NULL
        );
        CREATE INDEX IF NOT EXISTS ix_caravan_outbox_due ON caravan_outbox (due_at) WHERE due_at IS NOT NULL;
        CREATE TABLE IF NOT EXISTS caravan_inbox (
            endpoint text NOT NULL,
            message_id uuid NOT NULL,
            handled_at timestamptz NOT NULL,
            PRIMARY KEY (endpoint, message_id)
        );
        CREATE INDEX IF NOT EXISTS ix_caravan_inbox_handled_at ON caravan_inbox (handled_at);
        """,
    ];

    /// <summary>The version this build brings the tables to.</summary>
    public static int Version => Migrations.Length;

    public static async Task MigrateAsync(NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var connection = transaction.Connection!;
        await ExecuteAsync(
            $"""
            SELECT pg_advisory_xact_lock({MigrationLock});
            CREATE TABLE IF NOT EXISTS caravan_schema (component text PRIMARY KEY, version integer NOT NULL);
            """,
            connection,
            transaction,
            cancellationToken);

        await using var read = new NpgsqlCommand("SELECT version FROM caravan_schema WHERE component = @component", connection, transaction);
        read.Parameters.AddWithValue("component", Component);
        var current = await read.ExecuteScalarAsync(cancellationToken) is int stored ? stored : 0;
        if (current > Version)
        {
            throw new InvalidOperationException(
                $"The database {connection.Database} has Caravan's tables at version {current}; this build knows up to version {Version}.");
        }

        for (var version = current; version < Version; version++)
        {
            await ExecuteAsync(Migrations[version], connection, transaction, cancellationToken);
        }

        await using var write = new NpgsqlCommand(
            """
            INSERT INTO caravan_schema (component, version) VALUES (@component, @version)
            ON CONFLICT (component) DO UPDATE SET version = excluded.version
            """,
            connection,
            transaction);
        write.Parameters.AddWithValue("component", Component);
        write.Parameters.AddWithValue("version", Version);
        await write.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(string sql, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
