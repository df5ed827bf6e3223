using Caravan.AppHost.Supervision;

namespace Caravan.AppHost.Tests.Supervision;

/// <summary>Which state changes Aspire reports count as a crash to restart (seen on real runs: kill -9 gives
/// Running → Finished with exit code 137; the dashboard's Stop gives Running → Stopping → Finished, code 0).</summary>
public sealed class CrashRestarterTests
{
    [Theory]
    [InlineData("Running", "Finished", 137)]
    [InlineData("Running", "Exited", 1)]
    [InlineData("", "Finished", 134)]
    [InlineData("Starting", "Finished", 1)]
    [InlineData("RuntimeUnhealthy", "Finished", 139)]
    [InlineData("Running", "Finished", null)]
    public void DeathNobodyAskedFor_IsACrash(string previous, string state, int? exitCode) =>
        Assert.True(CrashRestarter.IsCrash(previous, state, exitCode));

    [Theory]
    [InlineData("Running", "Finished", 0)]
    [InlineData("Stopping", "Finished", 137)]
    [InlineData("Stopping", "Exited", 143)]
    [InlineData("Finished", "Finished", 137)]
    [InlineData("Finished", "Exited", 137)]
    [InlineData("Running", "FailedToStart", 1)]
    [InlineData(null, "Finished", 1)]
    [InlineData("Starting", "Running", null)]
    public void CleanExit_StopOrNonDeath_IsNotACrash(string? previous, string state, int? exitCode) =>
        Assert.False(CrashRestarter.IsCrash(previous, state, exitCode));
}
