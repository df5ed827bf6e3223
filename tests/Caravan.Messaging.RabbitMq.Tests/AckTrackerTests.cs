namespace Caravan.Messaging.RabbitMq.Tests;

/// <summary>When completions may go to the broker as one multiple ack: never over a delivery someone else holds.</summary>
public sealed class AckTrackerTests
{
    [Fact]
    public void MultipleAck_CoversTheLowestUnacknowledgedTagsOnly_WhileTheyAreAllCompleting()
    {
        var tracker = Delivered(1, 2, 3, 4, 5);

        // 1..3 are every unacknowledged tag up to 3; 5 is not contiguous (4 is held elsewhere).
        Assert.Equal(3UL, tracker.HighestContiguous(new HashSet<ulong> { 1, 2, 3, 5 }));

        // 1 is still held: nothing may be acked with multiple.
        Assert.Equal(0UL, tracker.HighestContiguous(new HashSet<ulong> { 2, 3 }));

        // A single tag is acked on its own.
        Assert.Equal(0UL, tracker.HighestContiguous(new HashSet<ulong> { 1 }));
    }

    [Fact]
    public void SettledTags_NoLongerBlock_AndStaleOnesOnlyFallBackToSingleAcks()
    {
        var tracker = Delivered(1, 2, 3, 4);
        tracker.Settled(1);
        tracker.Settled(3);
        Assert.Equal(4UL, tracker.HighestContiguous(new HashSet<ulong> { 2, 4 }));

        // A tag left unsettled (its ack went elsewhere) keeps later completions off the multiple ack.
        var stale = Delivered(7, 8, 9);
        Assert.Equal(0UL, stale.HighestContiguous(new HashSet<ulong> { 8, 9 }));
    }

    private static AckTracker Delivered(params ulong[] tags)
    {
        var tracker = new AckTracker();
        foreach (var tag in tags)
        {
            tracker.Delivered(tag);
        }

        return tracker;
    }
}
