using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Vellum.Cli;

/// <summary>
/// System.CommandLine's help followed by the command's examples; the program's help ends
/// with the exit codes every command shares.
/// </summary>
internal sealed class HelpWithExamples(HelpAction help) : SynchronousCommandLineAction
{
    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        help.Invoke(parseResult);
        var output = parseResult.InvocationConfiguration.Output;
        switch (parseResult.CommandResult.Command)
        {
            case VellumCommand { Examples.Count: > 0 } command:
                output.WriteLine("Examples:");
                foreach (var (commandLine, what) in command.Examples)
                {
                    output.WriteLine($"  {commandLine}");
                    output.WriteLine($"      {what}");
                }
                output.WriteLine();
                break;
            case RootCommand:
                output.WriteLine("""
                    Exit codes:
                      0  done (also after Ctrl-C or SIGTERM stopped a command that runs until then)
                      1  usage: the command line is wrong (unknown command or option, bad value)
                      2  data: a damaged journal or store, a mirror that refused a transaction or
                         belongs to another journal, a mount whose journal failed or is full
                      3  environment: a missing path or one of the wrong kind, no permission, a
                         read-only filesystem, a refused mount, an address in use
                      70 an unexpected failure: a bug, please report it

                    'vellum help COMMAND' or 'vellum COMMAND --help' shows a command's options and examples.

                    """);
                break;
        }
        return ExitCodes.Done;
    }
}
