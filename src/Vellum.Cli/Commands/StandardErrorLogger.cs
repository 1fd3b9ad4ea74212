using Microsoft.Extensions.Logging;

namespace Vellum.Cli.Commands;

/// <summary>
/// Log lines on standard error, one each, prefixed "vellum: " like the daemon's other lines
/// (the FUSE layer's EIO reports, which users quote in bug reports).
/// </summary>
internal sealed class StandardErrorLogger : ILogger
{
    public static StandardErrorLogger Instance { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
            Console.Error.WriteLine($"vellum: {formatter(state, exception)}");
    }
}
