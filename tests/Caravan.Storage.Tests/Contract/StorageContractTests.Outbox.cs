using System.Collections.Concurrent;

namespace Caravan.Storage.Tests;

public abstract partial class StorageContractTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Outbox_RowsAddedInATransaction_AreInvisibleUntilCommit_AndNeverExistAfterRollback()
    {
        var outbox = CreateOutbox();
        await using (var transaction = await Database.BeginTransactionAsync())
        {
            await outbox.AddAsync(transaction.Transaction, [OutgoingMessage.Publish(NewEnvelope()), OutgoingMessage.Publish(NewEnvelope())]);
            Assert.Equal(0, await outbox.CountAsync());
            await transaction.RollbackAsync();
        }

        Assert.Equal(0, await outbox.CountAsync());
        Assert.Empty(await outbox.ClaimAsync(10, Epoch, null, Lease));

        await using (var abandoned = await Database.BeginTransactionAsync())
        {
            await outbox.AddAsync(abandoned.Transaction, [OutgoingMessage.Publish(NewEnvelope())]);
        }

        var committed = new[] { NewEnvelope(), NewEnvelope() };
        await using (var transaction = await Database.BeginTransactionAsync())
        {
            await outbox.AddAsync(transaction.Transaction, [.. committed.Select(OutgoingMessage.Publish)]);
            await transaction.CommitAsync();
        }

        Assert.Equal(2, await outbox.CountAsync());
        Assert.Equal(committed.Select(e => e.MessageId), (await outbox.ClaimAsync(10, Epoch, null, Lease)).Select(e => e.Message.Envelope.MessageId));
    }

    [Fact]
    public async Task Outbox_Claim_ReturnsTheOldestRowsFirst_UpToTheLimit_WithEveryField()
    {
        var outbox = CreateOutbox();
        var detailed = NewEnvelope("order.placed") with
        {
            CorrelationId = "corr-1",
            CausationId = "cause-1",
            Priority = MessagePriority.High,
            ReplyTo = "orders",
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            Headers = new Dictionary<string, string> { ["tenant"] = "ü ✓" },
            Body = "{\"sku\":\"A-1\",\"note\":\"ünïcode ✓\"}"u8.ToArray(),
        };
        var envelopes = Enumerable.Range(0, 5).Select(_ => NewEnvelope()).Prepend(detailed).ToArray();
        await using (var transaction = await Database.BeginTransactionAsync())
        {
            await outbox.AddAsync(transaction.Transaction, [OutgoingMessage.Publish(envelopes[0]), .. envelopes[1..].Select(e => OutgoingMessage.Send(e, "inventory"))]);
            await transaction.CommitAsync();
        }

        var claimed = await outbox.ClaimAsync(4, Epoch, null, Lease);

        Assert.Equal(envelopes[..4].Select(e => e.MessageId), claimed.Select(e => e.Message.Envelope.MessageId));
        Assert.True(claimed.Select(e => e.Id).SequenceEqual(claimed.Select(e => e.Id).Order()));
        var first = claimed[0].Message;
        Assert.Equal((DestinationKind.Publish, (string?)null), (first.Kind, first.Queue));
        Assert.Equal((DestinationKind.Send, "inventory"), (claimed[1].Message.Kind, claimed[1].Message.Queue));
        var read = first.Envelope;
        Assert.Equal(
            (detailed.MessageType, detailed.CorrelationId, detailed.CausationId, detailed.Priority, detailed.ReplyTo, detailed.TraceParent, detailed.CreatedAt),
            (read.MessageType, read.CorrelationId, read.CausationId, read.Priority, read.ReplyTo, read.TraceParent, read.CreatedAt));
        Assert.Equal(detailed.Headers, read.Headers);
        Assert.Equal(detailed.Body.ToArray(), read.Body.ToArray());
    }

    [Fact]
    public async Task Outbox_ConcurrentRelays_NeverClaimTheSameRow_AndBetweenThemSendEveryRow()
    {
        const int Rows = 300;
        var writer = CreateOutbox();
        for (var batch = 0; batch < Rows / 50; batch++)
        {
            await AddAsync(writer, [.. Enumerable.Range(0, 50).Select(_ => NewEnvelope())]);
        }

        var claims = new ConcurrentBag<Guid>();
        var relays = Enumerable.Range(0, 4).Select(index => Task.Run(async () =>
        {
            var outbox = CreateOutbox($"relay-{index}");
            while (await outbox.CountAsync() > 0)
            {
                var batch = await outbox.ClaimAsync(7, Epoch, null, TimeSpan.FromHours(1));
                foreach (var entry in batch)
                {
                    claims.Add(entry.Message.Envelope.MessageId);
                }

                await outbox.RemoveAsync(batch);
            }
        }));
        await Task.WhenAll(relays);

        Assert.Equal(Rows, claims.Count);
        Assert.Equal(Rows, claims.Distinct().Count());
    }

    [Fact]
    public async Task Outbox_Claim_KeepsOtherRelaysAway_UntilTheHoldersClaimExpires()
    {
        var first = CreateOutbox("first");
        var second = CreateOutbox("second");
        var now = Epoch;
        await AddAsync(first, NewEnvelope());

        Assert.Single(await first.ClaimAsync(10, now, null, Lease));
        Assert.Empty(await second.ClaimAsync(10, now, null, Lease));

        // The holder renews its claim by claiming again; a silent holder loses it when it expires.
        now += TimeSpan.FromSeconds(5);
        Assert.Single(await first.ClaimAsync(10, now, null, Lease));
        now += TimeSpan.FromSeconds(9);
        Assert.Empty(await second.ClaimAsync(10, now, null, Lease));
        now += TimeSpan.FromSeconds(1);
        Assert.Single(await second.ClaimAsync(10, now, null, Lease));
        Assert.Empty(await first.ClaimAsync(10, now, null, Lease));
    }

    [Fact]
    public async Task Outbox_Remove_DeletesOnlyTheConfirmedRows()
    {
        var outbox = CreateOutbox();
        var envelopes = new[] { NewEnvelope(), NewEnvelope(), NewEnvelope() };
        await AddAsync(outbox, envelopes);
        var claimed = await outbox.ClaimAsync(10, Epoch, null, Lease);

        await outbox.RemoveAsync([claimed[0], claimed[2]]);
        await outbox.RemoveAsync([]);

        Assert.Equal(1, await outbox.CountAsync());
        var left = Assert.Single(await outbox.ClaimAsync(10, Epoch, null, Lease));
        Assert.Equal(envelopes[1].MessageId, left.Message.Envelope.MessageId);
    }

    [Fact]
    public async Task Outbox_RemoveByALateRelay_LeavesRowsAddedSince()
    {
        var late = CreateOutbox("late");
        var current = CreateOutbox("current");
        await AddAsync(late, NewEnvelope());
        var sentByLate = Assert.Single(await late.ClaimAsync(10, Epoch, null, Lease));

        // The late relay stalls past its claim; the current one sends and removes the row, then a new one is added.
        var now = Epoch + Lease + TimeSpan.FromSeconds(1);
        await current.RemoveAsync([Assert.Single(await current.ClaimAsync(10, now, null, Lease))]);
        var newer = NewEnvelope();
        await AddAsync(current, newer);

        await late.RemoveAsync([sentByLate]);

        Assert.Equal(newer.MessageId, Assert.Single(await current.ClaimAsync(10, now, null, Lease)).Message.Envelope.MessageId);
    }

    [Fact]
    public async Task Outbox_ScheduledRows_AreClaimedOnlyWhenDue_UnlessTheTransportDelaysThem()
    {
        var outbox = CreateOutbox();
        var now = Epoch;
        var later = NewEnvelope() with { DeliverAt = now.AddMinutes(2) };
        var soon = NewEnvelope() with { DeliverAt = now.AddMinutes(1) };
        var immediate = NewEnvelope();
        await AddAsync(outbox, later, soon, immediate);

        Assert.Equal(now.AddMinutes(1), await outbox.GetNextDueAsync());
        Assert.Equal([immediate.MessageId], await ClaimIdsAsync(outbox, now, dueBy: now));
        Assert.Empty(await ClaimIdsAsync(outbox, now.AddSeconds(59), dueBy: now.AddSeconds(59)));

        now = now.AddMinutes(1);
        Assert.Equal([soon.MessageId], await ClaimIdsAsync(outbox, now, dueBy: now));

        // A transport that delays delivery itself takes scheduled rows at once (dueBy null).
        var other = CreateOutbox("delaying");
        var delayed = Assert.Single(await other.ClaimAsync(10, now + Lease, null, Lease)).Message.Envelope;
        Assert.Equal((later.MessageId, later.DeliverAt), (delayed.MessageId, delayed.DeliverAt));
    }

    [Fact]
    public async Task Outbox_NextDue_IsTheEarliestScheduledRow_OrNone()
    {
        var outbox = CreateOutbox();
        Assert.Null(await outbox.GetNextDueAsync());
        await AddAsync(outbox, NewEnvelope());
        Assert.Null(await outbox.GetNextDueAsync());

        var at = Epoch.AddHours(3).ToOffset(TimeSpan.FromHours(-5));
        await AddAsync(outbox, NewEnvelope() with { DeliverAt = at.AddMinutes(5) }, NewEnvelope() with { DeliverAt = at });

        Assert.Equal(at, await outbox.GetNextDueAsync());
        Assert.Equal(3, await outbox.CountAsync());
    }

    private async Task<List<Guid>> ClaimIdsAsync(IOutboxStore outbox, DateTimeOffset now, DateTimeOffset? dueBy)
    {
        var claimed = await outbox.ClaimAsync(10, now, dueBy, Lease);
        await outbox.RemoveAsync(claimed);
        return [.. claimed.Select(entry => entry.Message.Envelope.MessageId)];
    }
}
