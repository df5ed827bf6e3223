using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Caravan.AppHost.Tests.Infrastructure;

/// <summary>
/// Keeps the app host's log lines in memory (timestamped, newest last, at most <see cref="Capacity"/>), so
/// that a test can print what the supervisor did — which crash it saw, when it restarted what — next to its
/// own result. It keeps the supervisor's lines (<c>Caravan.AppHost.Supervision</c>) from Information up and
/// everyone else's from Warning up, whatever the host's own filters let through (the app host's
/// appsettings turn Information on, which would bury them under the services' request logs).
/// </summary>
public sealed class CapturedLog : ILoggerProvider
{
    public const int Capacity = 2000;

    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public const string SupervisionCategory = "Caravan.AppHost.Supervision";

    public ILogger CreateLogger(string categoryName) =>
        new Logger(this, categoryName, categoryName.StartsWith(SupervisionCategory, StringComparison.Ordinal) ? LogLevel.Information : LogLevel.Warning);

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > Capacity && _lines.TryDequeue(out _))
        {
        }
    }

    private sealed class Logger(CapturedLog log, string category, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var time = DateTimeOffset.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
            var text = formatter(state, exception);
            if (exception is not null)
            {
                text += " | " + exception.GetType().Name + ": " + exception.Message;
            }

            log.Add($"{time} {logLevel} {category}: {text}");
        }
    }
}
