using Microsoft.Extensions.Logging;

namespace Vellum.Host.Tests;

/// <summary>The host's log as lines in memory, every level, for a test to wait for and to show on failure.</summary>
internal sealed class CapturedLog : ILoggerFactory, ILogger
{
    private readonly List<string> _lines = [];

    /// <summary>Every line so far, one per entry, for failure messages.</summary>
    public string Text
    {
        get
        {
            lock (_lines)
                return string.Join('\n', _lines);
        }
    }

    /// <summary>The first line containing <paramref name="fragment"/>; fails the test after <paramref name="patience"/>.</summary>
    public string WaitFor(string fragment, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        lock (_lines)
        {
            while (true)
            {
                if (_lines.FirstOrDefault(line => line.Contains(fragment, StringComparison.Ordinal)) is { } found)
                    return found;
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                    Assert.Fail($"the log never said \"{fragment}\":\n{string.Join('\n', _lines)}");
                Monitor.Wait(_lines, left);
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        var line = $"{logLevel} {eventId.Id}: {formatter(state, exception)}";
        lock (_lines)
        {
            _lines.Add(line);
            Monitor.PulseAll(_lines);
        }
    }

    public void Dispose()
    {
    }
}
