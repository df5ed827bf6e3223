using System.Collections.Concurrent;
using System.Data;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace Caravan.Messaging.Sqlite;

/// <summary>
/// One SQLite database file as Caravan uses it: WAL (readers never block the writer, and several
/// processes can share the file), synchronous=NORMAL (a committed transaction survives a process
/// crash; the last ones may be lost on power failure unless full durability is chosen), a busy
/// timeout so that writers of several processes queue instead of failing, and an in-process write
/// gate. SQLite has one writer per file; without the gate, this process's own writers would wait for
/// each other in SQLite's busy handler, which sleeps 1, 2, 5, 10 … ms between attempts. With it they
/// queue in memory and take the lock the moment it is free; only other processes meet the busy handler.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "One instance per file for the process's lifetime; its gate is never dropped.")]
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

    // Native connections (which the pool reuses) that already ran the setup pragmas.
    private readonly ConditionalWeakTable<object, object> _setUp = [];

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
        _setup = $"PRAGMA journal_mode=WAL; PRAGMA synchronous={(fullDurability ? "FULL" : "NORMAL")}; PRAGMA busy_timeout=30000;";
    }

    public string FullPath { get; }

    /// <summary>The one instance for a path in this process, so that all its users share one write gate.</summary>
    public static SqliteFile For(string path, bool fullDurability)
    {
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var file = Files.GetOrAdd(fullPath, static (p, full) => new SqliteFile(p, full), fullDurability);
        return file;
    }

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
                await ExecuteAsync(connection, _setup, cancellationToken);
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

    /// <summary>Opens a connection, takes the write gate and begins an immediate transaction.</summary>
    public async Task<SqliteWrite> BeginWriteAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken);
        try
        {
            var transaction = await BeginTransactionAsync(connection, cancellationToken);
            return new SqliteWrite(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Takes the write gate and begins an immediate transaction (the write lock is taken now, so two
    /// processes never both hold read locks and then deadlock upgrading them). The gate is given back
    /// when the connection closes.
    /// </summary>
    public async Task<SqliteTransaction> BeginTransactionAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        if (!await _writeGate.WaitAsync(WriteGateTimeout, cancellationToken))
        {
            throw new TimeoutException(
                $"No write transaction on {FullPath} within {WriteGateTimeout.TotalSeconds} s: another one in this process is held open " +
                "(a long handler, or a second session opened while the first is still open).");
        }

        var released = 0;
        void Release()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                _writeGate.Release();
            }
        }

        void OnStateChange(object? sender, StateChangeEventArgs e)
        {
            if (e.CurrentState == ConnectionState.Closed)
            {
                connection.StateChange -= OnStateChange;
                Release();
            }
        }

        connection.StateChange += OnStateChange;
        try
        {
            return connection.BeginTransaction(deferred: false);
        }
        catch
        {
            connection.StateChange -= OnStateChange;
            Release();
            throw;
        }
    }

    public static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>A write transaction with its own connection; disposing it rolls back what was not committed.</summary>
internal sealed class SqliteWrite(SqliteConnection connection, SqliteTransaction transaction) : IAsyncDisposable
{
    public SqliteConnection Connection { get; } = connection;

    public SqliteTransaction Transaction { get; } = transaction;

    public SqliteCommand CreateCommand(string sql)
    {
        var command = Connection.CreateCommand();
        command.Transaction = Transaction;
        command.CommandText = sql;
        return command;
    }

    public Task CommitAsync(CancellationToken cancellationToken) => Transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
