using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Vellum.Cli.Logging;

/// <summary>One plain line per entry: `PREFIX: [warning: |debug: ]message`, no colours, no timestamps.</summary>
internal sealed class VellumConsoleFormatter(IOptionsMonitor<VellumConsoleFormatterOptions> options) : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "vellum";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
            return;
        var current = options.CurrentValue;
        textWriter.Write(current.Prefix);
        textWriter.Write(": ");
        textWriter.Write(logEntry.LogLevel switch
        {
            LogLevel.Warning => "warning: ",
            LogLevel.Debug or LogLevel.Trace => "debug: ",
            _ => "",
        });
        textWriter.Write(message);
        if (current.ShowExceptions && logEntry.Exception is { } exception)
        {
            textWriter.WriteLine();
            textWriter.Write(exception.ToString());
        }
        textWriter.WriteLine();
    }
}
