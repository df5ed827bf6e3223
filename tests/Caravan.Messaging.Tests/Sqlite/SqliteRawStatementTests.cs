using Caravan.Messaging.Sqlite;
using Microsoft.Data.Sqlite;

namespace Caravan.Messaging.Tests.Sqlite;

/// <summary>The writer's statements that run through SQLite's C API: what they bind, what they read back, and how they fail.</summary>
public sealed class SqliteRawStatementTests : IDisposable
{
    private readonly TestDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task BoundValues_ReadBackAsTheyWereBound()
    {
        var database = new SqliteServiceDatabase(_folder.File("raw.db"));
        var id = Guid.CreateVersion7();
        var longText = new string('é', 2_000); // more than the stack buffer: the rented path
        await using (var write = await database.File.BeginWriteAsync(CancellationToken.None))
        {
            write.CreateCommand("CREATE TABLE t (n INTEGER, s TEXT, g TEXT, b BLOB, e BLOB, z TEXT)").ExecuteNonQuery();
            var insert = write.RawStatement("INSERT INTO t (n, s, g, b, e, z) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
            var changed = insert.Bind(1, long.MaxValue).Bind(2, longText).Bind(3, id).BindBlob(4, [1, 2, 3]).BindBlob(5, []).Bind(6, (string?)null).Execute();
            Assert.Equal(1, changed);

            // Bindings stay for the next run; Clear sets them all to NULL.
            Assert.Equal(1, insert.Bind(1, 2L).Execute());
            Assert.Equal(1, write.RawStatement("INSERT INTO t (n, s, g, b, e, z) VALUES (?1, ?2, ?3, ?4, ?5, ?6)").Execute());
            await write.CommitAsync();
        }

        await using var connection = new SqliteConnection($"Data Source={database.FilePath}");
        await connection.OpenAsync();
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT n, s, g, b, typeof(e), length(e), z FROM t ORDER BY rowid";
        await using var reader = await select.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(long.MaxValue, reader.GetInt64(0));
        Assert.Equal(longText, reader.GetString(1));
        Assert.Equal(id.ToString(), reader.GetString(2));
        Assert.Equal(new byte[] { 1, 2, 3 }, (byte[])reader.GetValue(3));
        Assert.Equal("blob", reader.GetString(4));
        Assert.Equal(0, reader.GetInt64(5));
        Assert.True(reader.IsDBNull(6));
        Assert.True(await reader.ReadAsync());
        Assert.Equal(2, reader.GetInt64(0));
        Assert.Equal(longText, reader.GetString(1));
        Assert.True(await reader.ReadAsync());
        Assert.True(reader.IsDBNull(0));
        Assert.True(reader.IsDBNull(1));
    }

    [Fact]
    public async Task AFailedRun_ThrowsSqliteException_AndTheStatementRunsAgainAfterwards()
    {
        var database = new SqliteServiceDatabase(_folder.File("raw.db"));
        await using var write = await database.File.BeginWriteAsync(CancellationToken.None);
        write.CreateCommand("CREATE TABLE t (k INTEGER PRIMARY KEY)").ExecuteNonQuery();
        var insert = write.RawStatement("INSERT INTO t (k) VALUES (?1)");
        insert.Bind(1, 1).Execute();

        var error = Assert.Throws<SqliteException>(() => insert.Bind(1, 1).Execute());
        Assert.Equal(19, error.SqliteErrorCode); // SQLITE_CONSTRAINT

        Assert.Equal(1, insert.Bind(1, 2).Execute());
        var select = write.RawStatement("SELECT k, 'k' || k FROM t ORDER BY k");
        var rows = new List<(long, string)>();
        try
        {
            while (select.Step())
            {
                rows.Add((select.Int64(0), select.Text(1)));
            }
        }
        finally
        {
            select.Reset();
        }

        Assert.Equal([(1L, "k1"), (2L, "k2")], rows);
        await write.CommitAsync();
    }

    [Fact]
    public async Task AStatementOfAnotherConnection_IsRefused()
    {
        var database = new SqliteServiceDatabase(_folder.File("raw.db"));
        await using var connection = new SqliteConnection($"Data Source={database.FilePath}");
        await connection.OpenAsync();
        await using var foreign = connection.BeginTransaction();

        Assert.Throws<InvalidOperationException>(() => database.File.RawStatement(foreign, "SELECT 1"));
    }
}
