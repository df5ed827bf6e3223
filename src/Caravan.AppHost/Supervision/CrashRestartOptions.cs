namespace Caravan.AppHost.Supervision;

/// <summary>How soon a crashed resource is started again.</summary>
internal sealed class CrashRestartOptions
{
    /// <summary>Wait before the first restart after a crash.</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The wait doubles with each crash in a row, up to this.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A process that ran at least this long before dying starts a new series at <see cref="InitialDelay"/>.</summary>
    public TimeSpan StableAfter { get; set; } = TimeSpan.FromSeconds(30);
}
