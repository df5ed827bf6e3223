using Caravan.Messaging.Postgres;
using Caravan.Sagas;
using Dapper;

namespace Caravan.Storage.Tests;

/// <summary>Start-up on PostgreSQL: the database per service, the versioned schema, several instances at once.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresServiceDatabaseTests(PostgresServer server) : IAsyncLifetime
{
    private readonly string _connectionString = server.NewDatabase("schema");

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => server.DropAsync(_connectionString);

    [Fact]
    public async Task Initialize_CreatesTheMissingDatabase_AndRecordsTheSchemaVersion()
    {
        await using var database = new PostgresServiceDatabase(_connectionString);

        await database.InitializeAsync();

        await using var connection = await database.OpenConnectionAsync();
        Assert.Equal(database.DatabaseName, connection.Database);
        var version = await connection.QuerySingleAsync<int>("SELECT version FROM caravan_schema WHERE component = 'caravan.messaging'");
        Assert.Equal(PostgresSchema.Version, version);
        var tables = await connection.QueryAsync<string>("SELECT tablename FROM pg_tables WHERE tablename LIKE 'caravan_%' ORDER BY tablename");
        Assert.Equal(["caravan_inbox", "caravan_outbox", "caravan_schema"], tables);

        // Text sorts byte by byte, as on SQLite (a linguistic collation would put "a-2" before "B-1").
        Assert.Equal("C", await connection.QuerySingleAsync<string>("SELECT datcollate FROM pg_database WHERE datname = current_database()"));
        Assert.Equal(["A-1", "B-1", "a-2"], await connection.QueryAsync<string>("SELECT v FROM (VALUES ('a-2'), ('B-1'), ('A-1')) AS t (v) ORDER BY v"));
    }

    [Fact]
    public async Task Initialize_ByInstancesStartingTogether_CreatesOneDatabaseAndSchema_WithoutErrors()
    {
        var instances = Enumerable.Range(0, 6).Select(_ => new PostgresServiceDatabase(_connectionString)).ToList();
        try
        {
            await Task.WhenAll(instances.Select(instance => Task.Run(() => instance.InitializeAsync())));

            // The saga table, created by instances at once as well.
            var sagas = new SqlSagaStore();
            await Task.WhenAll(instances.Select(instance => Task.Run(async () =>
            {
                await using var transaction = await instance.BeginTransactionAsync();
                await sagas.EnsureSchemaAsync(transaction.Connection, transaction.Transaction, CancellationToken.None);
                await transaction.CommitAsync();
            })));

            await using var connection = await instances[0].OpenConnectionAsync();
            Assert.Equal(1, await connection.QuerySingleAsync<int>("SELECT count(*)::int FROM caravan_schema"));
        }
        finally
        {
            foreach (var instance in instances)
            {
                await instance.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Initialize_OfADatabaseANewerBuildMigrated_Refuses()
    {
        await using var database = new PostgresServiceDatabase(_connectionString);
        await database.InitializeAsync();
        await using (var connection = await database.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE caravan_schema SET version = version + 1");
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => database.InitializeAsync());

        Assert.Contains($"version {PostgresSchema.Version + 1}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AConnectionStringWithoutADatabase_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => new PostgresServiceDatabase(server.ConnectionString));

        Assert.Equal("connectionString", error.ParamName);
    }

    [Fact]
    public async Task Transaction_Savepoints_UndoOnlyTheWorkSinceTheSavepoint()
    {
        await using var database = new PostgresServiceDatabase(_connectionString);
        await database.InitializeAsync();
        var inbox = new PostgresInboxStore(database);
        var kept = Guid.CreateVersion7();
        var undone = Guid.CreateVersion7();

        await using (var transaction = await database.BeginTransactionAsync())
        {
            await inbox.TryRecordAsync(transaction.Transaction, "a", kept, DateTimeOffset.UnixEpoch);
            await transaction.SaveAsync("message_2");
            await inbox.TryRecordAsync(transaction.Transaction, "a", undone, DateTimeOffset.UnixEpoch);
            await transaction.RollbackToAsync("message_2");
            await transaction.CommitAsync();
        }

        await using var connection = await database.OpenConnectionAsync();
        Assert.Equal([kept], await connection.QueryAsync<Guid>("SELECT message_id FROM caravan_inbox"));
    }
}
