namespace Caravan.Sagas.Tests;

public sealed class SagaRetryPolicyTests
{
    [Theory]
    [InlineData(1, 1_000)]
    [InlineData(2, 1_000)]
    [InlineData(3, 2_000)]
    [InlineData(4, 4_000)]
    [InlineData(5, 8_000)]
    public void DelayBefore_DoublesFromTheFirstRetry_WithoutJitterAtHalf(int nextAttempt, int expectedMilliseconds)
    {
        var policy = new SagaRetryPolicy();

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), policy.DelayBefore(nextAttempt, 0.5));
    }

    [Fact]
    public void DelayBefore_IsCappedByMaxBackoff()
    {
        var policy = new SagaRetryPolicy { Backoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(5) };

        Assert.Equal(TimeSpan.FromSeconds(5), policy.DelayBefore(10, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(5), policy.DelayBefore(int.MaxValue, 0.5));
    }

    [Fact]
    public void DelayBefore_JitterStaysWithinTheFactor()
    {
        var policy = new SagaRetryPolicy { Backoff = TimeSpan.FromSeconds(2), JitterFactor = 0.2 };

        Assert.Equal(TimeSpan.FromMilliseconds(1_600), policy.DelayBefore(2, 0.0));
        var highest = policy.DelayBefore(2, 0.999_999);
        Assert.InRange(highest, TimeSpan.FromMilliseconds(2_399), TimeSpan.FromMilliseconds(2_400));
        for (var random = 0.0; random < 1.0; random += 0.05)
        {
            Assert.InRange(policy.DelayBefore(3, random), TimeSpan.FromMilliseconds(3_200), TimeSpan.FromMilliseconds(4_800));
        }
    }
}
