namespace Caravan.Messaging.Tests.Handling;

public sealed class RetryPolicyTests
{
    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 4)]
    [InlineData(3, 8)]
    public void GetDelay_Default_IsAboutTwoToTheNSeconds(int retry, int seconds)
    {
        var policy = new RetryPolicy();

        Assert.Equal(TimeSpan.FromSeconds(seconds), policy.GetDelay(retry, random: 0.5));
    }

    [Fact]
    public void GetDelay_Jitter_StaysWithinTheConfiguredFraction()
    {
        var policy = new RetryPolicy { JitterFactor = 0.2 };

        Assert.Equal(TimeSpan.FromSeconds(1.6), policy.GetDelay(1, random: 0));
        Assert.True(policy.GetDelay(1, random: 0.999999) < TimeSpan.FromSeconds(2.4));
        Assert.True(policy.GetDelay(1, random: 0.999999) > TimeSpan.FromSeconds(2.39));
    }

    [Fact]
    public void GetDelay_NeverExceedsMaxDelay()
    {
        var policy = new RetryPolicy { MaxDelay = TimeSpan.FromSeconds(30) };

        Assert.Equal(TimeSpan.FromSeconds(30), policy.GetDelay(20, random: 0.99));
        Assert.Equal(TimeSpan.FromSeconds(30), policy.GetDelay(int.MaxValue, random: 0.5));
    }

    [Fact]
    public void GetDelay_RetryBelowOne_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryPolicy().GetDelay(0, 0.5));
    }

    [Fact]
    public void TotalAttempts_Default_CountsImmediateRetriesOfEveryDelivery()
    {
        Assert.Equal(12, new RetryPolicy().TotalAttempts);
        Assert.Equal(1, new RetryPolicy { ImmediateRetries = 0, DelayedRetries = 0 }.TotalAttempts);
    }
}
