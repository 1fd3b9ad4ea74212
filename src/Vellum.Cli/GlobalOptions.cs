using System.CommandLine;
using System.CommandLine.Parsing;
using Microsoft.Extensions.Logging;

namespace Vellum.Cli;

/// <summary>The options every command takes.</summary>
internal static class GlobalOptions
{
    private static readonly string[] LevelNames = ["trace", "debug", "information", "warning", "error"];

    /// <summary>--log-level LEVEL: the least important lines printed on stderr (default information).</summary>
    public static readonly Option<LogLevel?> LogLevel = CreateLogLevel();

    private static Option<LogLevel?> CreateLogLevel()
    {
        var option = new Option<LogLevel?>("--log-level")
        {
            Description = "the least important lines printed on stderr: trace, debug, information (the default), warning or error",
            HelpName = "LEVEL",
            Recursive = true,
            Arity = ArgumentArity.ExactlyOne,
            CustomParser = Parse,
        };
        option.CompletionSources.Clear();
        option.CompletionSources.Add(LevelNames);
        return option;
    }

    private static LogLevel? Parse(ArgumentResult result)
    {
        var value = result.Tokens.Single().Value;
        var index = Array.IndexOf(LevelNames, value.ToLowerInvariant());
        if (index >= 0)
            return (LogLevel)index;
        result.AddError($"--log-level {value}: choose trace, debug, information, warning or error");
        return null;
    }
}
