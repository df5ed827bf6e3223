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

    [Fact]
    public void GetUnavailablePause_DoublesFromOneSecond_UpToThirtySeconds()
    {
        var policy = new RetryPolicy();

        Assert.Equal(
            [1, 2, 4, 8, 16, 30, 30],
            new[] { 1, 2, 3, 4, 5, 6, 40 }.Select(inARow => policy.GetUnavailablePause(inARow, random: 0.5).TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(30), policy.GetUnavailablePause(6, random: 0.999));
        Assert.Equal(TimeSpan.FromSeconds(0.8), policy.GetUnavailablePause(1, random: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => policy.GetUnavailablePause(0, 0.5));
    }

    [Theory]
    [InlineData("08006", true)] // connection failure
    [InlineData("08001", true)] // client unable to establish a connection
    [InlineData("57P01", true)] // admin shutdown
    [InlineData("57P03", true)] // cannot connect now (starting up)
    [InlineData("53300", true)] // too many connections
    [InlineData("40001", false)] // a serialization failure is a conflict, not an outage
    [InlineData("23505", false)] // unique violation: about the data
    [InlineData("57014", false)] // query cancelled (statement timeout): about this message's work
    public void IsUnavailable_BySqlState(string state, bool unavailable)
    {
        Assert.Equal(unavailable, RetryPolicy.IsUnavailable(new FakeDbException("db", state)));
        Assert.Equal(unavailable, RetryPolicy.IsUnavailable(new InvalidOperationException("wrapped", new FakeDbException("db", state))));
    }

    [Fact]
    public void IsUnavailable_SocketAndStreamErrorsCount_OnlyUnderADatabaseException()
    {
        var refused = new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused);
        Assert.True(RetryPolicy.IsUnavailable(new FakeDbException("failed to connect", null, refused)));
        Assert.True(RetryPolicy.IsUnavailable(new FakeDbException("reading", null, new IOException("stream", new EndOfStreamException()))));
        Assert.True(RetryPolicy.IsUnavailable(new FakeDbException("reading", null, new EndOfStreamException())));

        // A handler's own socket or file trouble is the message's failure; so is a timeout under a database exception.
        Assert.False(RetryPolicy.IsUnavailable(refused));
        Assert.False(RetryPolicy.IsUnavailable(new HttpRequestException("remote call", refused)));
        Assert.False(RetryPolicy.IsUnavailable(new IOException("disk")));
        Assert.False(RetryPolicy.IsUnavailable(new FakeDbException("command timeout", null, new TimeoutException())));
        Assert.False(RetryPolicy.IsUnavailable(new FakeDbException("missing file", null, new FileNotFoundException())));
        Assert.False(RetryPolicy.IsUnavailable(null));
    }

    private sealed class FakeDbException(string message, string? sqlState, Exception? inner = null)
        : System.Data.Common.DbException(message, inner)
    {
        public override string? SqlState => sqlState;
    }
}
