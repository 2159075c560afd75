using Microsoft.Extensions.Logging;

namespace Flamewatch.TestKit.Logging;

/// <summary>
/// A logger provider that keeps the last <see cref="Capacity"/> entries of a host under test (time, level, category,
/// message), so that a test that waited in vain can say what the host was doing meanwhile.
/// </summary>
public sealed class RecentLog(int capacity = 2000) : ILoggerProvider
{
    private readonly Queue<string> _lines = new();
    private readonly Lock _lock = new();

    public int Capacity { get; } = capacity;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>The last <paramref name="count"/> entries that contain <paramref name="text"/> (all entries when null), oldest first.</summary>
    public IReadOnlyList<string> Tail(int count, string? text = null)
    {
        lock (_lock)
        {
            var matching = text is null ? _lines.ToList() : _lines.Where(l => l.Contains(text, StringComparison.Ordinal)).ToList();
            return matching.Skip(Math.Max(0, matching.Count - count)).ToList();
        }
    }

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        lock (_lock)
        {
            _lines.Enqueue(line);
            while (_lines.Count > Capacity)
            {
                _lines.Dequeue();
            }
        }
    }

    private sealed class Logger(RecentLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var name = category[(category.LastIndexOf('.') + 1)..];
            log.Add($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {logLevel} {name}[{eventId.Id}] {formatter(state, exception)}{(exception is null ? "" : " | " + exception.GetType().Name + ": " + exception.Message)}");
        }
    }
}
