using Caravan.AppHost.Supervision;

namespace Caravan.AppHost.Tests.Supervision;

public sealed class CrashBackoffTests
{
    private static readonly TimeSpan s_briefly = TimeSpan.FromSeconds(2);

    [Fact]
    public void CrashesInARow_WaitOneSecond_ThenDouble_UpToTenSeconds()
    {
        var backoff = new CrashBackoff(new CrashRestartOptions());

        var delays = Enumerable.Range(0, 7).Select(_ => backoff.NextDelay(s_briefly).TotalSeconds).ToArray();

        Assert.Equal([1, 2, 4, 8, 10, 10, 10], delays);
        Assert.Equal(7, backoff.CrashesInARow);
    }

    [Fact]
    public void ProcessThatRanLongEnough_StartsANewSeries()
    {
        var backoff = new CrashBackoff(new CrashRestartOptions());
        backoff.NextDelay(s_briefly);
        backoff.NextDelay(s_briefly);
        backoff.NextDelay(s_briefly);

        var delay = backoff.NextDelay(TimeSpan.FromSeconds(30));

        Assert.Equal(TimeSpan.FromSeconds(1), delay);
        Assert.Equal(1, backoff.CrashesInARow);
    }

    [Fact]
    public void UnknownUptime_CountsAsACrashInARow()
    {
        var backoff = new CrashBackoff(new CrashRestartOptions());
        backoff.NextDelay(uptime: null);

        Assert.Equal(TimeSpan.FromSeconds(2), backoff.NextDelay(uptime: null));
    }

    [Fact]
    public void Options_SetTheDelays()
    {
        var backoff = new CrashBackoff(new CrashRestartOptions
        {
            InitialDelay = TimeSpan.FromMilliseconds(100),
            MaxDelay = TimeSpan.FromMilliseconds(300),
        });

        var delays = Enumerable.Range(0, 4).Select(_ => backoff.NextDelay(TimeSpan.Zero).TotalMilliseconds).ToArray();

        Assert.Equal([100, 200, 300, 300], delays);
    }
}
