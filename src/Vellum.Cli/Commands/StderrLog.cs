using Microsoft.Extensions.Logging;

namespace Vellum.Cli.Commands;

/// <summary>
/// The log of a command that serves (mount, serve, demo): each message at Information or above
/// as one line on stderr, "PREFIX: message", as the daemons have always printed them.
/// </summary>
internal sealed class StderrLog(string prefix) : ILoggerFactory, ILogger
{
    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("the command's log writes to stderr only");

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (IsEnabled(logLevel))
            Console.Error.WriteLine($"{prefix}: {formatter(state, exception)}");
    }

    public void Dispose()
    {
    }
}
