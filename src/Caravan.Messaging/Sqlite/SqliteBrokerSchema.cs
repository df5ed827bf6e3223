namespace Caravan.Messaging.Sqlite;

/// <summary>
/// Tables of the shared SQLite broker file. A queue row is ready when visible_at &lt;= now; leasing a
/// row moves visible_at to the lease's end and stamps a lease token, so an expired lease makes the
/// row ready again with no sweeper. Delayed messages and delayed retries are rows whose visible_at
/// lies in the future. All times are Unix milliseconds from the injected TimeProvider.
/// <para>
/// ix_caravan_queue_waiting tells an idle consumer when the next message becomes visible. It holds only
/// rows nobody leases (ready, delayed, retried or released ones): leasing a row takes it out, and
/// completing a leased row touches it no more, so the per-message lease and acknowledgement update one
/// index fewer. An expired lease (its consumer died) is therefore noticed by the consumers' idle poll
/// (ConsumerOptions.IdlePollInterval, 1 s by default) rather than at the lease's end to the millisecond.
/// </para>
/// </summary>
internal static class SqliteBrokerSchema
{
    public const string Create = """
        CREATE TABLE IF NOT EXISTS caravan_queue (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            queue TEXT NOT NULL,
            priority INTEGER NOT NULL,
            visible_at INTEGER NOT NULL,
            lease_token INTEGER NULL,
            delivery_count INTEGER NOT NULL DEFAULT 0,
            failure_count INTEGER NOT NULL DEFAULT 0,
            enqueued_at INTEGER NOT NULL,
            message_id TEXT NOT NULL,
            message_type TEXT NOT NULL,
            metadata TEXT NOT NULL,
            body BLOB NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ix_caravan_queue_ready ON caravan_queue (queue, priority DESC, seq, visible_at);
        DROP INDEX IF EXISTS ix_caravan_queue_visible;
        CREATE INDEX IF NOT EXISTS ix_caravan_queue_waiting ON caravan_queue (queue, visible_at) WHERE lease_token IS NULL;
        CREATE TABLE IF NOT EXISTS caravan_subscriptions (
            message_type TEXT NOT NULL,
            queue TEXT NOT NULL,
            PRIMARY KEY (message_type, queue)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS caravan_dead_letters (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            queue TEXT NOT NULL,
            message_id TEXT NOT NULL,
            message_type TEXT NOT NULL,
            priority INTEGER NOT NULL,
            metadata TEXT NOT NULL,
            body BLOB NOT NULL,
            enqueued_at INTEGER NOT NULL,
            dead_lettered_at INTEGER NOT NULL,
            delivery_count INTEGER NOT NULL,
            failure_count INTEGER NOT NULL,
            reason INTEGER NOT NULL,
            exception_type TEXT NULL,
            exception_message TEXT NOT NULL,
            stack_trace TEXT NULL,
            attempts INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ix_caravan_dead_letters_queue ON caravan_dead_letters (queue, dead_lettered_at);
        CREATE INDEX IF NOT EXISTS ix_caravan_dead_letters_type ON caravan_dead_letters (message_type, dead_lettered_at);
        """;
}
