namespace Caravan.AppHost.Supervision;

/// <summary>Marks a resource whose process the app host restarts when it dies with a non-zero exit code.</summary>
internal sealed class RestartOnCrashAnnotation : IResourceAnnotation;
