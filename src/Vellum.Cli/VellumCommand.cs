using System.CommandLine;
using Microsoft.Extensions.Logging;
using Vellum.Cli.Logging;

namespace Vellum.Cli;

/// <summary>
/// A `vellum` command: its help (description, arguments, options, examples), the prefix of
/// the lines it prints, and its run, which gets the parsed command line and the console's
/// logger factory and returns an exit code. A <see cref="CommandFailure"/> out of the run
/// becomes one line on stderr and its exit code.
/// </summary>
internal sealed class VellumCommand(string name, string description) : Command(name, description)
{
    /// <summary>What each line on stderr starts with: `vellum`, `vellum log`, `vellum serve`.</summary>
    public string LinePrefix { get; init; } = "vellum";

    /// <summary>Command lines shown under "Examples:" in the help, each with what it does.</summary>
    public IReadOnlyList<(string CommandLine, string What)> Examples { get; init; } = [];

    public void SetRun(Func<ParseResult, ILoggerFactory, int> run) =>
        SetAction(parseResult =>
        {
            using var logs = ConsoleLog.Create(LinePrefix, parseResult.GetValue(GlobalOptions.LogLevel) ?? LogLevel.Information);
            try
            {
                return run(parseResult, logs);
            }
            catch (CommandFailure failure)
            {
                CliLog.CommandFailed(logs.CreateLogger("Vellum.Cli"), failure.Message);
                return failure.ExitCode;
            }
            catch (Exception unexpected)
            {
                // A bug: one line in words, the stack trace with --log-level debug.
                CliLog.UnexpectedFailure(logs.CreateLogger("Vellum.Cli"), unexpected, unexpected.GetType().Name, unexpected.Message);
                return ExitCodes.Unexpected;
            }
        });
}
