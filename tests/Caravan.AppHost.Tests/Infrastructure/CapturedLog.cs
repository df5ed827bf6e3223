using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Caravan.AppHost.Tests.Infrastructure;

/// <summary>
/// Keeps the app host's log lines in memory (timestamped, newest last, at most <see cref="Capacity"/>), so
/// that a test can print what the supervisor did — which crash it saw, when it restarted what — next to its
/// own result. Which lines arrive is decided by the logging filters of the host it is added to.
/// </summary>
public sealed class CapturedLog : ILoggerProvider
{
    public const int Capacity = 2000;

    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

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

    private sealed class Logger(CapturedLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
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
