using Microsoft.Extensions.Logging;

namespace Vellum.Cli.Logging;

/// <summary>
/// Builds the real logger factory at the first line logged. The mount daemon runs without
/// tiered compilation (see the project file), so building the console logger costs a few
/// hundred milliseconds of optimizing JIT: `vellum status`, `log` and `umount`, which
/// usually print nothing on stderr, do not pay it.
/// </summary>
internal sealed class DeferredLoggerFactory(Func<ILoggerFactory> create, LogLevel minimum) : ILoggerFactory
{
    private readonly Lazy<ILoggerFactory> _factory = new(create);

    private LogLevel Minimum => minimum;

    public ILogger CreateLogger(string categoryName) => new DeferredLogger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => _factory.Value.AddProvider(provider);

    public void Dispose()
    {
        if (_factory.IsValueCreated)
            _factory.Value.Dispose();
    }

    private sealed class DeferredLogger(DeferredLoggerFactory owner, string categoryName) : ILogger
    {
        private readonly Lazy<ILogger> _logger = new(() => owner._factory.Value.CreateLogger(categoryName));

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner.Minimum && logLevel != LogLevel.None;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => _logger.Value.BeginScope(state);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
                _logger.Value.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
