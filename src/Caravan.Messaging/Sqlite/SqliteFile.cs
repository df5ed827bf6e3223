using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace Caravan.Messaging.Sqlite;

/// <summary>
/// One SQLite database file as Caravan uses it: WAL (readers never block the writer, and several
/// processes can share the file), synchronous=NORMAL (a committed transaction survives a process
/// crash; the last ones may be lost on power failure unless full durability is chosen), and a busy
/// timeout so that writers of several processes queue instead of failing.
/// <para>
/// SQLite has one writer per file, so each process writes through a single connection, guarded by an
/// in-process gate: this process's writers queue in memory and take the lock the moment it is free
/// (only other processes meet SQLite's busy handler, which sleeps 1, 2, 5, 10 … ms between attempts),
/// and the writer keeps its hot statements prepared. Reads use pooled connections of their own.
/// </para>
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "One instance per file for the process's lifetime.")]
internal sealed class SqliteFile
{
    private static readonly ConcurrentDictionary<string, SqliteFile> Files = new(StringComparer.Ordinal);

    // Microsoft.Data.Sqlite's pool can lend one native connection to two concurrent openers
    // (dotnet/efcore#39008: Activate marks a pooled connection active before it records its owner, outside
    // the pool's lock, and an open that finds the pool empty meanwhile "reclaims" it as leaked). Two owners
    // of one handle see each other's transactions. Opening one connection at a time closes that window.
    private static readonly Lock OpenGate = new();

    private static readonly TimeSpan WriteGateTimeout = TimeSpan.FromSeconds(30);

    private readonly string _connectionString;
    private readonly string _setup;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Dictionary<string, SqliteCommand> _statements = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SqliteRawStatement> _rawStatements = new(StringComparer.Ordinal);

    // Native connections (which the pool reuses) that already ran the setup pragmas.
    private readonly ConditionalWeakTable<object, object> _setUp = [];

    // Touched only while holding _writeGate.
    private SqliteConnection? _writer;

    private SqliteFile(string fullPath, bool fullDurability)
    {
        FullPath = fullPath;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 60,
        }.ToString();
        // busy_timeout first, so that the other pragmas already wait in SQLite's handler rather than in
        // Microsoft.Data.Sqlite's retry loop (which blocks its thread in 150 ms sleeps).
        _setup = $"PRAGMA busy_timeout=30000; PRAGMA synchronous={(fullDurability ? "FULL" : "NORMAL")};";
    }

    public string FullPath { get; }

    /// <summary>The one instance for a path in this process, so that all its users share one writer.</summary>
    public static SqliteFile For(string path, bool fullDurability)
    {
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        return Files.GetOrAdd(fullPath, static (p, full) => new SqliteFile(p, full), fullDurability);
    }

    /// <summary>Opens a pooled connection for reading; the caller disposes it.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var connection = new SqliteConnection(_connectionString);
        try
        {
            lock (OpenGate)
            {
                // SqliteConnection opens synchronously anyway; taking a pooled connection takes microseconds.
                connection.Open();
            }

            var handle = connection.Handle!;
            if (!_setUp.TryGetValue(handle, out _))
            {
                await using var command = connection.CreateCommand();
                command.CommandText = _setup;
                await command.ExecuteNonQueryAsync(cancellationToken);
                _setUp.AddOrUpdate(handle, handle);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Takes the write gate and begins an immediate transaction on this process's writer connection
    /// (the write lock is taken now, so two processes never both hold read locks and then deadlock
    /// upgrading them). Disposing the result rolls back what was not committed and opens the gate.
    /// </summary>
    public async Task<SqliteWrite> BeginWriteAsync(CancellationToken cancellationToken)
    {
        if (!await _writeGate.WaitAsync(WriteGateTimeout, cancellationToken))
        {
            throw new TimeoutException(
                $"No write transaction on {FullPath} within {WriteGateTimeout.TotalSeconds} s: another one in this process is held open " +
                "(a long handler, or a second session opened while the first is still open).");
        }

        try
        {
            if (_writer is not { State: System.Data.ConnectionState.Open })
            {
                await DiscardWriterAsync();
                _writer = await OpenAsync(cancellationToken);

                // WAL is a property of the file, set once by a writer (a no-op when it already is WAL);
                // readers never try to change the journal mode.
                await using var wal = _writer.CreateCommand();
                wal.CommandText = "PRAGMA journal_mode=WAL;";
                await wal.ExecuteNonQueryAsync(cancellationToken);
            }

            return new SqliteWrite(this, _writer, _writer.BeginTransaction(deferred: false));
        }
        catch
        {
            try
            {
                await DiscardWriterAsync();
            }
            finally
            {
                _writeGate.Release();
            }

            throw;
        }
    }

    /// <summary>A prepared statement of the writer, bound to <paramref name="transaction"/>; never dispose it.</summary>
    internal SqliteCommand Statement(SqliteTransaction transaction, string sql)
    {
        EnsureWriterOwns(transaction);

        if (!_statements.TryGetValue(sql, out var command))
        {
            command = _writer!.CreateCommand();
            command.CommandText = sql;
            _statements[sql] = command;
        }

        command.Transaction = transaction;
        command.Parameters.Clear();
        return command;
    }

    /// <summary>
    /// A statement of the writer run through SQLite's C API (see <see cref="SqliteRawStatement"/>), bound to
    /// <paramref name="transaction"/>'s connection, its bindings cleared; never dispose it.
    /// </summary>
    internal SqliteRawStatement RawStatement(SqliteTransaction transaction, string sql)
    {
        EnsureWriterOwns(transaction);

        if (!_rawStatements.TryGetValue(sql, out var statement))
        {
            statement = SqliteRawStatement.Prepare(_writer!, sql);
            _rawStatements[sql] = statement;
        }

        return statement.Clear();
    }

    private void EnsureWriterOwns(SqliteTransaction transaction)
    {
        if (!ReferenceEquals(transaction.Connection, _writer))
        {
            throw new InvalidOperationException($"The transaction does not belong to {FullPath}'s writer; begin it with the database's BeginTransactionAsync.");
        }
    }

    /// <summary>Ends a write: opens the gate, dropping the writer if the transaction could not be closed cleanly.</summary>
    internal async ValueTask EndWriteAsync(bool broken)
    {
        try
        {
            if (broken)
            {
                await DiscardWriterAsync();
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async ValueTask DiscardWriterAsync()
    {
        var statements = _statements.Values.ToList();
        var rawStatements = _rawStatements.Values.ToList();
        var writer = _writer;
        _statements.Clear();
        _rawStatements.Clear();
        _writer = null;
        try
        {
            // Finalized before the connection goes back to the pool, which does not know them.
            foreach (var statement in rawStatements)
            {
                statement.Dispose();
            }

            foreach (var statement in statements)
            {
                await statement.DisposeAsync();
            }
        }
        finally
        {
            if (writer is not null)
            {
                await writer.DisposeAsync();
            }
        }
    }
}
