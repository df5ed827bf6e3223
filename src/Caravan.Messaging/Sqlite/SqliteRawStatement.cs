using System.Buffers;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Caravan.Messaging.Sqlite;

/// <summary>
/// A statement of a file's writer connection, prepared once and run through SQLite's C API (SQLitePCLRaw,
/// the layer under Microsoft.Data.Sqlite) instead of a <see cref="SqliteCommand"/>. It is for the few
/// statements that run once per message (outbox insert and remove, broker insert and acknowledgement, inbox
/// record): there, a command allocates a parameter binder per parameter per run and a UTF-8 array per text
/// value, which on the producer was about a fifth of its CPU and 8 KB of garbage per message. This runs
/// the same SQL with no allocation per run. It runs in whatever transaction the writer connection has
/// open, like a command of that connection; it is only used under the file's write gate, and it is reset after
/// every run, so it never holds a read cursor open across a commit or rollback.
/// </summary>
internal sealed class SqliteRawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    private SqliteRawStatement(sqlite3 db, sqlite3_stmt statement)
    {
        _db = db;
        _statement = statement;
    }

    public static SqliteRawStatement Prepare(SqliteConnection connection, string sql)
    {
        var db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        var rc = raw.sqlite3_prepare_v3(db, sql, raw.SQLITE_PREPARE_PERSISTENT, out var statement, out var tail);
        SqliteException.ThrowExceptionForRC(rc, db);
        if (!string.IsNullOrWhiteSpace(tail))
        {
            statement.Dispose();
            throw new ArgumentException("A raw statement holds exactly one SQL statement.", nameof(sql));
        }

        return new SqliteRawStatement(db, statement);
    }

    public SqliteRawStatement Bind(int index, long value)
    {
        Check(raw.sqlite3_bind_int64(_statement, index, value));
        return this;
    }

    public SqliteRawStatement Bind(int index, long? value) => value is { } v ? Bind(index, v) : BindNull(index);

    public SqliteRawStatement BindNull(int index)
    {
        Check(raw.sqlite3_bind_null(_statement, index));
        return this;
    }

    /// <summary>Binds text as UTF-8 (SQLite copies it); null binds NULL.</summary>
    public SqliteRawStatement Bind(int index, string? value)
    {
        if (value is null)
        {
            return BindNull(index);
        }

        var length = Encoding.UTF8.GetMaxByteCount(value.Length);
        byte[]? rented = null;
        var buffer = length <= 512 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(value, buffer);
            Check(raw.sqlite3_bind_text(_statement, index, buffer[..written]));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        return this;
    }

    /// <summary>Binds text given as UTF-8 (SQLite copies it).</summary>
    public SqliteRawStatement BindText(int index, ReadOnlySpan<byte> utf8)
    {
        Check(raw.sqlite3_bind_text(_statement, index, utf8));
        return this;
    }

    /// <summary>Binds a GUID in its 36-character form ("D"), as the stores keep message ids.</summary>
    public SqliteRawStatement Bind(int index, Guid value)
    {
        Span<byte> text = stackalloc byte[36];
        if (!value.TryFormat(text, out var written, "D") || written != 36)
        {
            throw new InvalidOperationException("A GUID did not format as 36 characters.");
        }

        Check(raw.sqlite3_bind_text(_statement, index, text));
        return this;
    }

    /// <summary>Binds a blob (SQLite copies it). An empty blob stays a zero-length blob, not NULL.</summary>
    public SqliteRawStatement BindBlob(int index, ReadOnlySpan<byte> value)
    {
        Check(value.IsEmpty ? raw.sqlite3_bind_zeroblob(_statement, index, 0) : raw.sqlite3_bind_blob(_statement, index, value));
        return this;
    }

    /// <summary>Runs a statement that returns no rows and gives the number of rows it changed; the bindings stay for the next run.</summary>
    public int Execute()
    {
        try
        {
            var rc = raw.sqlite3_step(_statement);
            if (rc == raw.SQLITE_ROW)
            {
                throw new InvalidOperationException("Execute is for statements that return no rows.");
            }

            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }

            return raw.sqlite3_changes(_db);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>
    /// Steps a statement that returns rows: true with a row to read through the column accessors, false when done.
    /// The caller resets it (<see cref="Reset"/>) when it has read what it needs, also after an exception.
    /// </summary>
    public bool Step()
    {
        var rc = raw.sqlite3_step(_statement);
        if (rc == raw.SQLITE_ROW)
        {
            return true;
        }

        if (rc != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }

        return false;
    }

    public void Reset() => raw.sqlite3_reset(_statement);

    public long Int64(int column) => raw.sqlite3_column_int64(_statement, column);

    public int Int32(int column) => raw.sqlite3_column_int(_statement, column);

    public bool IsNull(int column) => raw.sqlite3_column_type(_statement, column) == raw.SQLITE_NULL;

    /// <summary>A blob's bytes, or a text's UTF-8 bytes; valid until the next step or reset.</summary>
    public ReadOnlySpan<byte> Bytes(int column) => raw.sqlite3_column_blob(_statement, column);

    public string Text(int column) => Encoding.UTF8.GetString(Bytes(column));

    /// <summary>Clears the bindings (all NULL) for a run with different values.</summary>
    public SqliteRawStatement Clear()
    {
        raw.sqlite3_reset(_statement);
        raw.sqlite3_clear_bindings(_statement);
        return this;
    }

    public void Dispose() => _statement.Dispose();

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }
}
