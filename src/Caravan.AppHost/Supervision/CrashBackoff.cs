namespace Caravan.AppHost.Supervision;

/// <summary>
/// The delay before restarting one resource: <see cref="CrashRestartOptions.InitialDelay"/> after a
/// crash, doubling for each crash in a row up to <see cref="CrashRestartOptions.MaxDelay"/>; a process
/// that stayed up for <see cref="CrashRestartOptions.StableAfter"/> resets the series. Not thread-safe:
/// one instance per resource, used under its owner's lock.
/// </summary>
internal sealed class CrashBackoff(CrashRestartOptions options)
{
    private int _crashesInARow;

    public int CrashesInARow => _crashesInARow;

    /// <param name="uptime">How long the process ran before it died; null when unknown (counts as a crash in a row).</param>
    public TimeSpan NextDelay(TimeSpan? uptime)
    {
        if (uptime >= options.StableAfter)
        {
            _crashesInARow = 0;
        }

        var delay = options.InitialDelay;
        for (var i = 0; i < _crashesInARow && delay < options.MaxDelay; i++)
        {
            delay *= 2;
        }

        _crashesInARow++;
        return delay < options.MaxDelay ? delay : options.MaxDelay;
    }
}
