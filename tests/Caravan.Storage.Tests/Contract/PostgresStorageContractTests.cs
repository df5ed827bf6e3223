using Caravan.Messaging.Postgres;

namespace Caravan.Storage.Tests;

/// <summary>The storage contract on PostgreSQL: a database per test, created by the store itself.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresStorageContractTests(PostgresServer server) : StorageContractTests, IDisposable
{
    private PostgresServiceDatabase? _database;

    protected override Task<IServiceDatabase> CreateDatabaseAsync()
    {
        _database = new PostgresServiceDatabase(server.NewDatabase("contract"));
        return Task.FromResult<IServiceDatabase>(_database);
    }

    protected override IOutboxStore CreateOutbox(string? relayId = null) => new PostgresOutboxStore(_database!, relayId);

    protected override IInboxStore CreateInbox() => new PostgresInboxStore(_database!);

    public void Dispose() => _database?.Dispose();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
            await server.DropAsync(_database.ConnectionString);
        }
    }
}
