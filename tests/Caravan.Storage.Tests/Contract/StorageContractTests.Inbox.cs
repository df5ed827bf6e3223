namespace Caravan.Storage.Tests;

public abstract partial class StorageContractTests
{
    [Fact]
    public async Task Inbox_SecondRecordForTheSameEndpoint_IsADuplicate_ButNotForAnotherEndpoint()
    {
        var inbox = CreateInbox();
        var id = Guid.CreateVersion7();

        Assert.True(await RecordAsync(inbox, "a", id, Epoch));
        Assert.False(await RecordAsync(inbox, "a", id, Epoch.AddMinutes(1)));
        Assert.True(await RecordAsync(inbox, "b", id, Epoch));
        Assert.True(await RecordAsync(inbox, "a", Guid.CreateVersion7(), Epoch));
    }

    [Fact]
    public async Task Inbox_RecordMany_ReturnsTheIdsNotRecordedBefore_EachOnce_RollsBackWithTheTransaction_AndCanBeTakenBack()
    {
        var inbox = CreateInbox();
        var before = Guid.CreateVersion7();
        var a = Guid.CreateVersion7();
        var b = Guid.CreateVersion7();
        var c = Guid.CreateVersion7();
        Assert.True(await RecordAsync(inbox, "q", before, Epoch));

        await using (var transaction = await Database.BeginTransactionAsync())
        {
            // A duplicate already recorded, and one id given twice: each new id comes back once.
            var recorded = await inbox.TryRecordManyAsync(transaction.Transaction, "q", [a, before, b, a], Epoch);
            Assert.Equal(new HashSet<Guid> { a, b }, recorded.ToHashSet());
            await transaction.RollbackAsync();
        }

        await using (var transaction = await Database.BeginTransactionAsync())
        {
            Assert.Empty(await inbox.TryRecordManyAsync(transaction.Transaction, "q", [], Epoch));
            var recorded = await inbox.TryRecordManyAsync(transaction.Transaction, "q", [b, a, c], Epoch);
            Assert.Equal(new HashSet<Guid> { a, b, c }, recorded.ToHashSet());

            // Recorded, then not handled after all (a batch stopped before it): taken back with the commit.
            await inbox.ForgetAsync(transaction.Transaction, "q", [c]);
            await transaction.CommitAsync();
        }

        Assert.False(await RecordAsync(inbox, "q", a, Epoch));
        Assert.False(await RecordAsync(inbox, "q", b, Epoch));
        Assert.True(await RecordAsync(inbox, "q", c, Epoch));
        Assert.True(await RecordAsync(inbox, "other", a, Epoch));
    }

    [Fact]
    public async Task Inbox_RecordRolledBackWithTheHandlersWork_IsForgotten_AndTheMessageCanBeHandledAgain()
    {
        var inbox = CreateInbox();
        var outbox = CreateOutbox();
        var id = Guid.CreateVersion7();

        await using (var transaction = await Database.BeginTransactionAsync())
        {
            Assert.True(await inbox.TryRecordAsync(transaction.Transaction, "a", id, Epoch));
            await outbox.AddAsync(transaction.Transaction, [OutgoingMessage.Publish(NewEnvelope())]);
            await transaction.RollbackAsync();
        }

        await using (var abandoned = await Database.BeginTransactionAsync())
        {
            Assert.True(await inbox.TryRecordAsync(abandoned.Transaction, "a", id, Epoch));
        }

        Assert.Equal(0, await outbox.CountAsync());
        Assert.True(await RecordAsync(inbox, "a", id, Epoch));
        Assert.False(await RecordAsync(inbox, "a", id, Epoch));
    }

    [Fact]
    public async Task Inbox_AHandlerRacingAnotherOnTheSameMessage_SeesADuplicateIfTheOtherCommits_AndRecordsItIfTheOtherRollsBack()
    {
        var inbox = CreateInbox();
        foreach (var firstCommits in new[] { true, false })
        {
            var id = Guid.CreateVersion7();
            var first = await Database.BeginTransactionAsync();
            Assert.True(await inbox.TryRecordAsync(first.Transaction, "a", id, Epoch));

            // The second handler's transaction waits for the first (for its write lock, or for its row).
            var second = Task.Run(() => RecordAsync(inbox, "a", id, Epoch));
            if (firstCommits)
            {
                await first.CommitAsync();
            }
            else
            {
                await first.RollbackAsync();
            }

            await first.DisposeAsync();
            Assert.Equal(!firstCommits, await second);
        }
    }

    [Fact]
    public async Task Inbox_Cleanup_ForgetsOnlyRecordsHandledBeforeTheCutoff()
    {
        var inbox = CreateInbox();
        var old = Guid.CreateVersion7();
        var atCutoff = Guid.CreateVersion7();
        var recent = Guid.CreateVersion7();
        await RecordAsync(inbox, "a", old, Epoch);
        await RecordAsync(inbox, "b", atCutoff, Epoch.AddDays(1));
        await RecordAsync(inbox, "a", recent, Epoch.AddDays(7));

        Assert.Equal(1, await inbox.RemoveHandledBeforeAsync(Epoch.AddDays(1)));
        Assert.Equal(0, await inbox.RemoveHandledBeforeAsync(Epoch.AddDays(1)));

        Assert.True(await RecordAsync(inbox, "a", old, Epoch.AddDays(8)));
        Assert.False(await RecordAsync(inbox, "b", atCutoff, Epoch.AddDays(8)));
        Assert.False(await RecordAsync(inbox, "a", recent, Epoch.AddDays(8)));
    }
}
