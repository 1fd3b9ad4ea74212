using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Vellum.Cli.Logging;

/// <summary>
/// The logger factory of a `vellum` command: every line on stderr as `PREFIX: message`
/// (`vellum: …`, `vellum serve: …`), warnings as `PREFIX: warning: …`, from --log-level up.
/// </summary>
internal static class ConsoleLog
{
    public static ILoggerFactory Create(string prefix, LogLevel minimum) =>
        new DeferredLoggerFactory(() => Build(prefix, minimum), minimum);

    private static ILoggerFactory Build(string prefix, LogLevel minimum) =>
        LoggerFactory.Create(builder => builder
            .SetMinimumLevel(minimum)
            .AddConsole(options =>
            {
                options.FormatterName = VellumConsoleFormatter.FormatterName;
                options.LogToStandardErrorThreshold = LogLevel.Trace;
            })
            .AddConsoleFormatter<VellumConsoleFormatter, VellumConsoleFormatterOptions>(options =>
            {
                options.Prefix = prefix;
                options.ShowExceptions = minimum <= LogLevel.Debug;
            }));

}

internal sealed class VellumConsoleFormatterOptions : ConsoleFormatterOptions
{
    public string Prefix { get; set; } = "vellum";

    /// <summary>Whether a logged exception is printed whole (--log-level debug or trace); otherwise the message says it.</summary>
    public bool ShowExceptions { get; set; }
}
