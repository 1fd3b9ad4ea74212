using Microsoft.Extensions.Logging;

namespace Vellum.Replication.Tests;

/// <summary>Hands every message a sender or server logs, as its text, to a test's line sink (its output, a <see cref="RefusalLog"/>).</summary>
internal sealed class LineLogger(Action<string> line) : ILogger, ILoggerFactory
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        line(formatter(state, exception));
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("one sink for every category");

    public void Dispose()
    {
    }
}
