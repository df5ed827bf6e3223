using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Caravan.AppHost.Supervision;

/// <summary>
/// The app host's restart policy, as an orchestrator has one: every resource marked with
/// <see cref="RestartOnCrashAnnotation"/> whose process dies on its own with a non-zero exit code (a crash,
/// an out-of-memory kill, <c>kill -9</c>) is started again after a backoff (<see cref="CrashBackoff"/>).
/// </summary>
/// <remarks>
/// It watches the snapshots Aspire publishes for each resource. A move from a live state straight to
/// <c>Finished</c>/<c>Exited</c> is a death nobody asked for; a stop from the dashboard passes through
/// <c>Stopping</c> first and is left alone, as is an exit with code 0, a resource that never ran
/// (<c>FailedToStart</c>) and everything once the app host is shutting down. The restart is Aspire's own
/// <c>start</c> command (the dashboard's Start button): it recreates the process with the same
/// environment, and a proxied endpoint keeps its public port, so callers find the new process at the
/// old address. A process that survives its parent (when only the <c>dotnet run</c> wrapper is killed)
/// is not Aspire's to see; the restarted copy then runs beside it.
/// </remarks>
internal sealed partial class CrashRestarter(
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    IHostApplicationLifetime lifetime,
    IOptions<CrashRestartOptions> options,
    TimeProvider time,
    ILogger<CrashRestarter> logger) : BackgroundService
{
    private readonly Dictionary<string, SupervisedResource> _resources = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        var token = stopping.Token;
        var restarts = new List<Task>();
        try
        {
            await foreach (var resourceEvent in notifications.WatchAsync(token).ConfigureAwait(false))
            {
                if (!resourceEvent.Resource.TryGetLastAnnotation<RestartOnCrashAnnotation>(out _))
                {
                    continue;
                }

                if (!_resources.TryGetValue(resourceEvent.ResourceId, out var resource))
                {
                    resource = new SupervisedResource(resourceEvent.ResourceId, new CrashBackoff(options.Value));
                    _resources.Add(resourceEvent.ResourceId, resource);
                }

                var snapshot = resourceEvent.Snapshot;
                var previous = resource.LastState;
                var state = snapshot.State?.Text;
                resource.LastState = state;
                if (state != previous && IsCrash(previous, state, snapshot.ExitCode) && !token.IsCancellationRequested)
                {
                    restarts.RemoveAll(task => task.IsCompleted);
                    restarts.Add(RestartAsync(resource, snapshot.ExitCode, Uptime(snapshot), token));
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The app host is stopping: nothing more to restart.
        }

        await Task.WhenAll(restarts).ConfigureAwait(false);
    }

    internal static bool IsCrash(string? previous, string? state, int? exitCode) =>
        state is "Finished" or "Exited"
        && exitCode != 0
        && previous is not (null or "Stopping" or "Finished" or "Exited" or "FailedToStart");

    private static TimeSpan? Uptime(CustomResourceSnapshot snapshot) =>
        snapshot is { StartTimeStamp: { } started, StopTimeStamp: { } stopped } ? stopped - started : null;

    private async Task RestartAsync(SupervisedResource resource, int? exitCode, TimeSpan? uptime, CancellationToken cancellationToken)
    {
        var delay = resource.Backoff.NextDelay(uptime);
        LogCrashed(resource.Id, exitCode, uptime?.TotalSeconds, delay.TotalSeconds, resource.Backoff.CrashesInARow);
        try
        {
            while (true)
            {
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                // Someone may have started it meanwhile (the dashboard's Start button); a failed start of ours leaves FailedToStart.
                if (notifications.TryGetCurrentState(resource.Id, out var current)
                    && current.Snapshot.State?.Text is not ("Finished" or "Exited" or "FailedToStart"))
                {
                    LogAlreadyStarted(resource.Id, current.Snapshot.State?.Text);
                    return;
                }

                if (await TryStartAsync(resource.Id, cancellationToken).ConfigureAwait(false))
                {
                    LogRestarted(resource.Id);
                    return;
                }

                delay = resource.Backoff.NextDelay(uptime: null);
                LogTryingAgain(resource.Id, delay.TotalSeconds);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down while waiting: the resource stays stopped, as it should.
        }
    }

    private async Task<bool> TryStartAsync(string resourceId, CancellationToken cancellationToken)
    {
        try
        {
            var result = await commands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, cancellationToken).ConfigureAwait(false);
            if (!result.Success)
            {
                LogStartFailed(resourceId, result.Message);
            }

            return result.Success;
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogStartError(resourceId, exception);
            return false;
        }
    }

    /// <summary>What the restarter remembers of one resource instance. Touched only by the watch loop, except
    /// <see cref="Backoff"/>, which the (at most one per crash) restart task of this resource also uses.</summary>
    private sealed class SupervisedResource(string id, CrashBackoff backoff)
    {
        public string Id { get; } = id;

        public CrashBackoff Backoff { get; } = backoff;

        public string? LastState { get; set; }
    }
}
