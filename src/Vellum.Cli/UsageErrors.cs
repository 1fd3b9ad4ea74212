using System.CommandLine;
using System.CommandLine.Parsing;

namespace Vellum.Cli;

/// <summary>
/// A command line that does not parse: its first problem in one line on stderr, in Vellum's
/// words, with the name a mistyped command or option most likely meant and where the help
/// is; exit code <see cref="ExitCodes.Usage"/>.
/// </summary>
internal static class UsageErrors
{
    /// <summary>Whether the command line has a problem; a word like an option that is none is one even where the parser took it for an argument.</summary>
    public static bool Any(ParseResult result) => result.Errors.Count > 0 || result.UnmatchedTokens.Count > 0 || StrayOption(result) is not null;

    public static int Report(ParseResult result)
    {
        var command = result.CommandResult.Command;
        var prefix = command is VellumCommand vellum ? vellum.LinePrefix : "vellum";
        Console.Error.WriteLine($"{prefix}: {FirstProblem(result)}; see '{CommandPath(result.CommandResult)} --help'");
        return ExitCodes.Usage;
    }

    /// <summary>`vellum mirror` for the mirror command's result.</summary>
    public static string CommandPath(CommandResult result) =>
        result.Parent is CommandResult parent ? $"{CommandPath(parent)} {result.Command.Name}" : "vellum";

    /// <summary>
    /// A word that looks like an option but is none comes first: the parser takes it for an
    /// argument, so the errors it makes of that (a path "--jsn" not found, the real arguments
    /// left over) would only mislead.
    /// </summary>
    private static string FirstProblem(ParseResult result)
    {
        var command = result.CommandResult;
        if (StrayOption(result) is { } stray)
            return Unknown(stray, command);
        var optionError = result.Errors.FirstOrDefault(error => OptionOf(error) is not null);
        if (optionError is not null)
            return Describe(optionError);
        if (result.UnmatchedTokens.Count > 0)
            return Unknown(result.UnmatchedTokens[0], command);
        return Describe(result.Errors[0]);
    }

    private static string? StrayOption(ParseResult result)
    {
        var optionValues = result.CommandResult.Children.OfType<OptionResult>().SelectMany(option => option.Tokens).ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var token in result.Tokens)
        {
            if (token.Type == TokenType.DoubleDash)
                return null;
            if (token.Type == TokenType.Argument && token.Value.Length > 1 && token.Value[0] == '-' && !optionValues.Contains(token))
                return token.Value;
        }
        return null;
    }

    private static string Unknown(string token, CommandResult command)
    {
        var isOption = token.StartsWith('-');
        var names = isOption
            ? OptionsOf(command).SelectMany(option => option.Aliases.Prepend(option.Name)).Where(name => name.StartsWith("--", StringComparison.Ordinal))
            : command.Command.Subcommands.Where(sub => !sub.Hidden).Select(sub => sub.Name);
        var what = isOption ? $"unknown option {token}"
            : command.Command.Subcommands.Count > 0 ? $"unknown command '{token}'"
            : $"unexpected argument '{token}'";
        return Suggestions.Closest(token, names) is { } suggestion ? $"{what}; did you mean {(isOption ? suggestion : $"'{suggestion}'")}?" : what;
    }

    /// <summary>The command's options and those of its parents that apply to it (--help, --log-level).</summary>
    private static IEnumerable<Option> OptionsOf(CommandResult command)
    {
        foreach (var option in command.Command.Options.Where(option => !option.Hidden))
            yield return option;
        for (var parent = command.Parent as CommandResult; parent is not null; parent = parent.Parent as CommandResult)
        {
            foreach (var option in parent.Command.Options.Where(option => option.Recursive && !option.Hidden))
                yield return option;
        }
    }

    private static OptionResult? OptionOf(ParseError error) => error.SymbolResult switch
    {
        OptionResult option => option,
        ArgumentResult { Parent: OptionResult option } => option,
        _ => null,
    };

    /// <summary>The parser's own messages for a missing value or a missing argument, said the way the rest of the CLI says things.</summary>
    private static string Describe(ParseError error)
    {
        if (OptionOf(error) is { } option)
        {
            var name = option.Option.Name;
            if (option.IdentifierToken is null)
                return $"{name} {option.Option.HelpName} is required: {option.Option.Description}";
            if (option.Tokens.Count == 0 && option.Option.Arity.MinimumNumberOfValues > 0)
                return $"{name} needs its {option.Option.HelpName}: {option.Option.Description}";
            return error.Message.TrimEnd('.');
        }
        if (error.SymbolResult is ArgumentResult { Tokens.Count: 0 } argument)
            return $"{argument.Argument.Name} is missing: {argument.Argument.Description}";
        return error.Message.TrimEnd('.');
    }
}
