using Microsoft.Extensions.Logging;

namespace Vellum.Testing;

/// <summary>
/// What the code under test logs, every level, kept in memory for a test to assert on and to
/// wait for, and handed line by line to <paramref name="echo"/> (a test's output) if given.
/// A logger factory too, so a whole host logs into one.
/// </summary>
public sealed class CapturedLog(Action<string>? echo = null) : ILoggerFactory, ILogger
{
    private readonly List<LogEntry> _entries = [];

    public IReadOnlyList<LogEntry> Entries
    {
        get
        {
            lock (_entries)
                return [.. _entries];
        }
    }

    /// <summary>Every entry so far, one per line, for failure messages.</summary>
    public string Text
    {
        get
        {
            lock (_entries)
                return string.Join('\n', _entries);
        }
    }

    /// <summary>The first entry (as its line) containing <paramref name="fragment"/>; throws after <paramref name="patience"/>.</summary>
    /// <exception cref="TimeoutException">Nothing logged said it in time.</exception>
    public string WaitFor(string fragment, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        lock (_entries)
        {
            while (true)
            {
                if (_entries.Select(entry => entry.ToString()).FirstOrDefault(line => line.Contains(fragment, StringComparison.Ordinal)) is { } found)
                    return found;
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                    throw new TimeoutException($"the log never said \"{fragment}\":\n{string.Join('\n', _entries)}");
                Monitor.Wait(_entries, left);
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("one log for every category");

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        var entry = new LogEntry(logLevel, eventId, formatter(state, exception));
        lock (_entries)
        {
            _entries.Add(entry);
            Monitor.PulseAll(_entries);
        }
        echo?.Invoke(entry.Message);
    }

    public void Dispose()
    {
    }
}

/// <summary>One logged line: its level, event id and text.</summary>
public readonly record struct LogEntry(LogLevel Level, EventId EventId, string Message)
{
    public override string ToString() => $"{Level} {EventId.Id}: {Message}";
}
