using Caravan.Messaging.Sqlite;

namespace Caravan.Storage.Tests;

/// <summary>The storage contract on the embedded default: a SQLite file per test.</summary>
public sealed class SqliteStorageContractTests : StorageContractTests, IDisposable
{
    private readonly TestDirectory _folder = new();
    private SqliteServiceDatabase? _database;

    public void Dispose() => _folder.Dispose();

    protected override Task<IServiceDatabase> CreateDatabaseAsync()
    {
        _database = new SqliteServiceDatabase(_folder.File("service.db"));
        return Task.FromResult<IServiceDatabase>(_database);
    }

    protected override IOutboxStore CreateOutbox(string? relayId = null) => new SqliteOutboxStore(_database!, relayId);

    protected override IInboxStore CreateInbox() => new SqliteInboxStore(_database!);
}
