using Microsoft.Extensions.Logging;

namespace Vellum.Cli.Commands;

/// <summary>
/// Prints each message of a layer's logger as one line through <c>write</c>, as the command
/// printed those lines before the layers logged through <see cref="ILogger"/>: the bridge
/// until the command's console logging takes over.
/// </summary>
internal sealed class LineLogger(Action<string> write) : ILogger, ILoggerFactory
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel is not (LogLevel.None or LogLevel.Trace or LogLevel.Debug);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
            write(formatter(state, exception));
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("lines go to one writer");

    public void Dispose()
    {
    }
}
