namespace Caravan.Messaging.RabbitMq.Tests;

public sealed class DelayBucketsTests
{
    [Theory]
    [InlineData(0.2, 1)]
    [InlineData(16, 16)]
    [InlineData(17, 18)]
    [InlineData(100, 104)]
    [InlineData(400, 416)]
    [InlineData(1000, 1024)]
    public void RoundUp_GoesToTheNextBucket(double milliseconds, long bucket) =>
        Assert.Equal(bucket, DelayBuckets.RoundUp(TimeSpan.FromMilliseconds(milliseconds)));

    [Fact]
    public void RoundUp_NeverWaitsLessThanAsked_NorMoreThanAnEighthLonger_WithFewBuckets()
    {
        var buckets = new HashSet<long>();
        for (long milliseconds = 17; milliseconds <= 600_000; milliseconds += 7)
        {
            var bucket = DelayBuckets.RoundUp(TimeSpan.FromMilliseconds(milliseconds));
            Assert.InRange(bucket, milliseconds, milliseconds + (milliseconds / 8));
            buckets.Add(bucket);
        }

        Assert.InRange(buckets.Count, 1, 8 * 16);
    }

    [Fact]
    public void RoundUp_CapsVeryLongDelays_WhichTheReceiverThenWaitsOutAgain() =>
        Assert.Equal(DelayBuckets.MaxMilliseconds, DelayBuckets.RoundUp(TimeSpan.FromDays(400)));
}
