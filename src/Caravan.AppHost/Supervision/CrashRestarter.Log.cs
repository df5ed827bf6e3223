using Microsoft.Extensions.Logging;

namespace Caravan.AppHost.Supervision;

internal sealed partial class CrashRestarter
{
    [LoggerMessage(1, LogLevel.Warning, "Resource {ResourceId} died (exit code {ExitCode}, up {UptimeSeconds:0.#} s); restarting it in {DelaySeconds:0.#} s (crash {CrashesInARow} in a row).")]
    private partial void LogCrashed(string resourceId, int? exitCode, double? uptimeSeconds, double delaySeconds, int crashesInARow);

    [LoggerMessage(2, LogLevel.Information, "Resource {ResourceId} restarted.")]
    private partial void LogRestarted(string resourceId);

    [LoggerMessage(3, LogLevel.Information, "Resource {ResourceId} is {State} already; not restarting it.")]
    private partial void LogAlreadyStarted(string resourceId, string? state);

    [LoggerMessage(4, LogLevel.Warning, "Starting resource {ResourceId} again failed: {Message}")]
    private partial void LogStartFailed(string resourceId, string? message);

    [LoggerMessage(5, LogLevel.Warning, "Starting resource {ResourceId} again failed.")]
    private partial void LogStartError(string resourceId, Exception exception);

    [LoggerMessage(6, LogLevel.Warning, "Trying to start resource {ResourceId} again in {DelaySeconds:0.#} s.")]
    private partial void LogTryingAgain(string resourceId, double delaySeconds);
}
