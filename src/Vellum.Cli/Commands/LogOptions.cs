using System.Globalization;

namespace Vellum.Cli.Commands;

/// <summary>The parsed command line.</summary>
internal sealed record LogOptions(string Path, bool Json, ulong From, ulong To, bool Follow)
{
    public static bool TryParse(IReadOnlyList<string> args, out LogOptions options, out string problem)
    {
        options = new LogOptions("", false, 0, ulong.MaxValue, false);
        problem = "";
        string? path = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var value = (string?)null;
            var name = arg;
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=', StringComparison.Ordinal) is var equals and > 0)
            {
                name = arg[..equals];
                value = arg[(equals + 1)..];
            }
            switch (name)
            {
                case "--json" when value is null:
                    options = options with { Json = true };
                    break;
                case "--follow" when value is null:
                    options = options with { Follow = true };
                    break;
                case "--from" or "--to":
                    if (value is null && i + 1 < args.Count)
                        value = args[++i];
                    if (!ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                    {
                        problem = value is null
                            ? $"{name} needs a transaction id; usage: {LogCommand.Usage}"
                            : $"{name} needs a transaction id (a non-negative integer), not '{value}'; usage: {LogCommand.Usage}";
                        return false;
                    }
                    options = name == "--from" ? options with { From = id } : options with { To = id };
                    break;
                default:
                    if (arg.StartsWith('-') && arg != "-")
                    {
                        problem = $"unknown option {arg}; usage: {LogCommand.Usage}";
                        return false;
                    }
                    if (path is not null)
                    {
                        problem = $"one PATH only, got '{path}' and '{arg}'; usage: {LogCommand.Usage}";
                        return false;
                    }
                    path = arg;
                    break;
            }
        }
        if (path is null)
        {
            problem = $"no PATH given (a store directory or a journal file); usage: {LogCommand.Usage}";
            return false;
        }
        if (options.From > options.To)
        {
            problem = $"--from {options.From} is above --to {options.To}";
            return false;
        }
        options = options with { Path = path };
        return true;
    }
}
