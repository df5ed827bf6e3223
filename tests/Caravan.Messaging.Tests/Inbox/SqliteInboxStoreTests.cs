using Caravan.Messaging.Sqlite;

namespace Caravan.Messaging.Tests.Inbox;

public sealed class SqliteInboxStoreTests : IDisposable
{
    private readonly TestDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private async Task<bool> RecordAsync(SqliteServiceDatabase database, SqliteInboxStore inbox, string endpoint, Guid id, DateTimeOffset at)
    {
        await using var transaction = await database.BeginTransactionAsync();
        var first = await inbox.TryRecordAsync(transaction.Transaction, endpoint, id, at);
        await transaction.CommitAsync();
        return first;
    }

    [Fact]
    public async Task TryRecord_SecondTimeForTheSameEndpoint_IsADuplicate_ButNotForAnotherEndpoint()
    {
        var database = new SqliteServiceDatabase(_folder.File("svc.db"));
        await database.InitializeAsync();
        var inbox = new SqliteInboxStore(database);
        var id = Guid.CreateVersion7();
        var now = DateTimeOffset.UnixEpoch.AddYears(56);

        Assert.True(await RecordAsync(database, inbox, "a", id, now));
        Assert.False(await RecordAsync(database, inbox, "a", id, now));
        Assert.True(await RecordAsync(database, inbox, "b", id, now));
    }

    [Fact]
    public async Task TryRecord_RolledBack_LeavesNoRecord()
    {
        var database = new SqliteServiceDatabase(_folder.File("svc.db"));
        await database.InitializeAsync();
        var inbox = new SqliteInboxStore(database);
        var id = Guid.CreateVersion7();

        await using (var transaction = await database.BeginTransactionAsync())
        {
            Assert.True(await inbox.TryRecordAsync(transaction.Transaction, "a", id, DateTimeOffset.UnixEpoch));
            await transaction.RollbackAsync();
        }

        Assert.True(await RecordAsync(database, inbox, "a", id, DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public async Task RemoveHandledBefore_ForgetsOnlyRecordsOlderThanTheCutoff()
    {
        var database = new SqliteServiceDatabase(_folder.File("svc.db"));
        await database.InitializeAsync();
        var inbox = new SqliteInboxStore(database);
        var start = DateTimeOffset.UnixEpoch.AddYears(56);
        var old = Guid.CreateVersion7();
        var recent = Guid.CreateVersion7();
        await RecordAsync(database, inbox, "a", old, start);
        await RecordAsync(database, inbox, "a", recent, start.AddDays(7));

        Assert.Equal(1, await inbox.RemoveHandledBeforeAsync(start.AddDays(1)));

        Assert.True(await RecordAsync(database, inbox, "a", old, start.AddDays(8)));
        Assert.False(await RecordAsync(database, inbox, "a", recent, start.AddDays(8)));
    }
}
