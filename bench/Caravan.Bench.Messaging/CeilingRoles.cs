using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Caravan.Bench.Messaging;

/// <summary>
/// The raw ceiling: a queue that is nothing but one SQLite table, with no messaging layer.
/// <list type="bullet">
/// <item>Producer: one connection kept open, one prepared INSERT, one row per transaction
/// (BEGIN IMMEDIATE; INSERT; COMMIT), like one business commit per message.</item>
/// <item>Consumer: one connection kept open, one prepared statement that takes up to
/// <c>--ceiling-batch</c> oldest rows and deletes them in one transaction
/// (BEGIN IMMEDIATE; DELETE … RETURNING; COMMIT), reading every body. When the queue is empty it
/// watches <c>PRAGMA data_version</c> (no lock taken) until another connection commits.</item>
/// </list>
/// Same file settings as Caravan's broker: WAL, synchronous=NORMAL, busy_timeout.
/// <para>
/// Waiting for the write lock (default "producer-spin"): the producer, which commits every few
/// microseconds, retries a refused BEGIN IMMEDIATE at once (no busy handler), so a consumer transaction
/// costs it only that transaction's length; the consumer waits in SQLite's busy handler, so rows pile up
/// meanwhile and it takes them in bigger batches. With both in the busy handler ("wait"), every time
/// the producer met the consumer's transaction it slept at least 1 ms, and whether runs fell into that
/// pattern made the ceiling swing between 11k and 39k msg/s in one invocation.
/// </para>
/// </summary>
internal static class CeilingRoles
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS bench_queue (
            seq INTEGER PRIMARY KEY,
            kind INTEGER NOT NULL,
            sent_at INTEGER NOT NULL,
            body BLOB NOT NULL
        );
        """;

    private const int WarmupKind = 0;
    private const int MeasuredKind = 1;

    public static async Task<int> ProduceAsync(BenchOptions options)
    {
        using var connection = Open(options, spin: options.CeilingLock is "spin" or "producer-spin");
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO bench_queue (kind, sent_at, body) VALUES ($kind, $sent, $body)";
        var kind = insert.Parameters.Add("$kind", SqliteType.Integer);
        var sent = insert.Parameters.Add("$sent", SqliteType.Integer);
        var body = insert.Parameters.Add("$body", SqliteType.Blob);
        var payload = new byte[options.BodyBytes];
        Random.Shared.NextBytes(payload);

        var writeLock = new WriteLock(connection, spin: options.CeilingLock is "spin" or "producer-spin");

        void Insert(int rowKind, long sentAt)
        {
            insert.Transaction = writeLock.Begin();
            kind.Value = rowKind;
            sent.Value = sentAt;
            body.Value = payload;
            insert.ExecuteNonQuery();
            writeLock.Commit();
        }

        ControlChannel.Say(ControlChannel.Ready);
        var order = await ControlChannel.NextOrderAsync();
        while (order is ControlChannel.WarmUp or ControlChannel.Jit)
        {
            if (order == ControlChannel.Jit)
            {
                ControlChannel.SayWithJit(ControlChannel.Jit);
            }
            else
            {
                // One warm-up round; the orchestrator decides whether another one follows.
                for (var i = 0; i < options.Warmup; i++)
                {
                    Insert(WarmupKind, BenchClock.NowNs());
                }
            }

            order = await ControlChannel.NextOrderAsync();
        }

        if (order != ControlChannel.Go)
        {
            throw new InvalidOperationException($"Expected GO, got '{order}'.");
        }

        var calls = new long[options.Messages];
        var cpuStart = BenchClock.ProcessCpuMs();
        var jitStart = BenchClock.JitMs();
        var first = BenchClock.NowNs();
        for (var i = 0; i < options.Messages; i++)
        {
            BenchClock.WaitUntilDue(first, i, options.Rate);
            var sentAt = BenchClock.NowNs();
            Insert(MeasuredKind, sentAt);
            calls[i] = BenchClock.NowNs() - sentAt;
        }

        var last = BenchClock.NowNs();
        ControlChannel.Say(ControlChannel.Sent);
        await ControlChannel.ExpectAsync(ControlChannel.Stop);
        ResultFile.Write(options.ResultPath, new ProducerResult(
            options.Messages, first, last, Percentiles.Of(calls), BenchClock.ProcessCpuMs() - cpuStart, Profile: null, BenchClock.JitMs() - jitStart));
        return 0;
    }

    public static Task<int> ConsumeAsync(BenchOptions options)
    {
        using var connection = Open(options, spin: options.CeilingLock == "spin");
        Execute(connection, Schema);
        using var take = connection.CreateCommand();
        take.CommandText = """
            DELETE FROM bench_queue WHERE seq IN (SELECT seq FROM bench_queue ORDER BY seq LIMIT $max)
            RETURNING kind, sent_at, body
            """;
        take.Parameters.AddWithValue("$max", options.CeilingBatch);
        using var version = connection.CreateCommand();
        version.CommandText = "PRAGMA data_version";
        var writeLock = new WriteLock(connection, spin: options.CeilingLock == "spin");

        var latencies = new long[options.Messages];
        var rows = new List<(int Kind, long SentAt)>(options.CeilingBatch);
        var warm = 0;
        var measured = 0;
        long first = 0, last = 0, batches = 0, emptyPolls = 0;
        var cpuStart = BenchClock.ProcessCpuMs();
        var jitStart = BenchClock.JitMs();
        ControlChannel.Say(ControlChannel.Ready);
        ControlChannel.SayWithJit(ControlChannel.Jit);
        if (options.Warmup == 0)
        {
            jitStart = ControlChannel.SayWithJit(ControlChannel.Warm);
        }

        while (measured < options.Messages)
        {
            // Read the version before looking: a commit made after this point changes it, so an
            // empty look is never followed by a wait that misses the row that ended it.
            var seen = (long)version.ExecuteScalar()!;
            rows.Clear();
            take.Transaction = writeLock.Begin();
            using (var reader = take.ExecuteReader())
            {
                while (reader.Read())
                {
                    var body = reader.GetFieldValue<byte[]>(2);
                    if (body.Length != options.BodyBytes)
                    {
                        throw new InvalidOperationException($"A body of {body.Length} bytes instead of {options.BodyBytes}.");
                    }

                    rows.Add((reader.GetInt32(0), reader.GetInt64(1)));
                }
            }

            // "Consumed": the rows are in the consumer's hands, its transaction not yet committed
            // (the same moment at which Caravan's handler runs, inside its inbox transaction).
            var now = BenchClock.NowNs();
            writeLock.Commit();

            if (rows.Count == 0)
            {
                emptyPolls++;
                WaitForCommit(version, seen, options.CeilingIdle);
                continue;
            }

            batches++;
            foreach (var (kind, sentAt) in rows)
            {
                if (kind == WarmupKind)
                {
                    // The end of a warm-up round (the orchestrator may order more): the measured window starts after the last one.
                    if (++warm % options.Warmup == 0)
                    {
                        cpuStart = BenchClock.ProcessCpuMs();
                        jitStart = ControlChannel.SayWithJit(ControlChannel.Warm);
                    }

                    continue;
                }

                if (measured == 0)
                {
                    first = now;
                }

                latencies[measured++] = now - sentAt;
                last = now;
            }
        }

        ResultFile.Write(options.ResultPath, new ConsumerResult(
            measured, first, last, Percentiles.Of(latencies), 0, BenchClock.ProcessCpuMs() - cpuStart, batches, emptyPolls, Profile: null, BenchClock.JitMs() - jitStart));
        ControlChannel.Say(ControlChannel.Done);
        return Task.FromResult(0);
    }

    private static void WaitForCommit(SqliteCommand version, long seen, string idle)
    {
        while ((long)version.ExecuteScalar()! == seen)
        {
            if (idle == "sleep")
            {
                Thread.Sleep(1);
            }
            else
            {
                Thread.Yield();
            }
        }
    }

    private static SqliteConnection Open(BenchOptions options, bool spin)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(options.Directory, "ceiling.db"),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 60,
        }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
        Execute(connection, spin ? "PRAGMA busy_timeout=0;" : "PRAGMA busy_timeout=30000;");
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// BEGIN IMMEDIATE … COMMIT. "wait": SQLite's own busy handler (busy_timeout, as Caravan sets it)
    /// sleeps 1, 2, 5, 10 … ms between attempts to take the write lock. "spin": no busy handler; a
    /// refused BEGIN is retried at once after yielding the CPU, so the lock is taken the moment it is free.
    /// "producer-spin": the producer spins, the consumer waits (see the class remarks).
    /// </summary>
    private sealed class WriteLock(SqliteConnection connection, bool spin)
    {
        private readonly bool _spin = spin;
        private SqliteTransaction? _transaction;

        /// <summary>Takes the write lock; returns the transaction commands must name (none when spinning).</summary>
        public SqliteTransaction? Begin()
        {
            if (!_spin)
            {
                _transaction = connection.BeginTransaction(deferred: false);
                return _transaction;
            }

            while (true)
            {
                var rc = raw.sqlite3_exec(connection.Handle, "BEGIN IMMEDIATE");
                if (rc == raw.SQLITE_OK)
                {
                    return null;
                }

                if (rc != raw.SQLITE_BUSY)
                {
                    throw new InvalidOperationException($"BEGIN IMMEDIATE failed: {raw.sqlite3_errstr(rc).utf8_to_string()}");
                }

                Thread.Yield();
            }
        }

        public void Commit()
        {
            if (!_spin)
            {
                _transaction!.Commit();
                _transaction.Dispose();
                _transaction = null;
                return;
            }

            var rc = raw.sqlite3_exec(connection.Handle, "COMMIT");
            if (rc != raw.SQLITE_OK)
            {
                throw new InvalidOperationException($"COMMIT failed: {raw.sqlite3_errstr(rc).utf8_to_string()}");
            }
        }
    }
}
