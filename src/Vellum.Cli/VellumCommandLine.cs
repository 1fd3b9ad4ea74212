using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Reflection;
using Vellum.Cli.Commands;
using Vellum.Journal.Format;

namespace Vellum.Cli;

/// <summary>
/// `vellum`'s command line: the commands, --help / `vellum help COMMAND` with examples,
/// --version / `vellum version`, --log-level, the `[suggest]` directive the completion
/// script calls, and a usage error (exit 1) for anything that does not parse.
/// </summary>
internal sealed class VellumCommandLine
{
    private readonly RootCommand _root = new("Vellum: a FUSE passthrough mount that journals every change as a transaction, a mirror that replays a journal into a replica directory, and replication of journals over TLS.");

    public VellumCommandLine()
    {
        _root.Options.Add(GlobalOptions.LogLevel);
        foreach (var command in new Command[]
        {
            DemoCommand.Create(), MountCommand.Create(), ServeCommand.Create(), UmountCommand.Create(),
            LogCommand.Create(), HistoryCommand.Create(), CatCommand.Create(), LsCommand.Create(), MirrorCommand.Create(), RestoreCommand.Create(), DiffCommand.Create(), RollbackCommand.Create(), UndoCommand.Create(), RepairCommand.Create(), StatusCommand.Create(), CreateVersion(), CreateHelp(),
        })
        {
            _root.Subcommands.Add(command);
        }
        var helpOption = _root.Options.OfType<HelpOption>().Single();
        helpOption.Action = new HelpWithExamples((HelpAction)helpOption.Action!);
        _root.Options.OfType<VersionOption>().Single().Action = new VersionAction();
        _root.SetAction(_ =>
        {
            // Bare `vellum` asked for nothing: the help says what there is, on stderr, as a usage error.
            ShowHelp([], Console.Error);
            return ExitCodes.Usage;
        });
    }

    public int Run(IReadOnlyList<string> args)
    {
        var result = Parse(args);
        if (result.Action is not { ClearsParseErrors: true } && UsageErrors.Any(result))
            return UsageErrors.Report(result);
        return result.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
    }

    /// <summary>Response files off: a path argument that starts with '@' is a path.</summary>
    private ParseResult Parse(IReadOnlyList<string> args) =>
        _root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });

    private void ShowHelp(string[] command, TextWriter output) =>
        Parse([.. command, "--help"]).Invoke(new InvocationConfiguration { Output = output });

    /// <summary>`vellum version`, as --version.</summary>
    private static Command CreateVersion()
    {
        var version = new VellumCommand("version", "Print the program's version and the journal formats it writes and reads.")
        {
            Examples = [("vellum version", "e.g. 'vellum 1.0.0.0 (writes journal format 3, reads formats 1 to 3)'")],
        };
        version.SetAction(_ =>
        {
            Console.WriteLine(VersionAction.Text);
            return ExitCodes.Done;
        });
        return version;
    }

    /// <summary>`vellum help [COMMAND]`, as `vellum [COMMAND] --help`.</summary>
    private Command CreateHelp()
    {
        var name = new Argument<string?>("COMMAND")
        {
            Description = "the command to show the help of; without it, the program's help",
            HelpName = "COMMAND",
            Arity = ArgumentArity.ZeroOrOne,
        };
        name.CompletionSources.Add(_ => _root.Subcommands.Select(command => new System.CommandLine.Completions.CompletionItem(command.Name)));
        var help = new VellumCommand("help", "Show the help of vellum or of one of its commands.")
        {
            Examples = [("vellum help mount", "the options of 'vellum mount', with examples")],
        };
        help.Arguments.Add(name);
        help.SetAction(parseResult =>
        {
            var wanted = parseResult.GetValue(name);
            if (wanted is null)
            {
                ShowHelp([], Console.Out);
                return ExitCodes.Done;
            }
            if (_root.Subcommands.Any(command => command.Name == wanted))
            {
                ShowHelp([wanted], Console.Out);
                return ExitCodes.Done;
            }
            var suggestion = Suggestions.Closest(wanted, _root.Subcommands.Select(command => command.Name));
            Console.Error.WriteLine($"vellum: no command '{wanted}'{(suggestion is null ? "" : $"; did you mean '{suggestion}'?")}; 'vellum --help' lists them");
            return ExitCodes.Usage;
        });
        return help;
    }

    private sealed class VersionAction : System.CommandLine.Invocation.SynchronousCommandLineAction
    {
        public static string Text =>
            $"vellum {Assembly.GetExecutingAssembly().GetName().Version} (writes journal format {JournalFormat.Version}, reads formats {JournalFormat.OldestReadableVersion} to {JournalFormat.Version})";

        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(Text);
            return ExitCodes.Done;
        }
    }
}
