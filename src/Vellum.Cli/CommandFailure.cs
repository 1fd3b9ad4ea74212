namespace Vellum.Cli;

/// <summary>
/// A command refused or stopped for a reason the user can act on: one line naming the
/// object, the problem and the way out, and the exit code of its kind (<see cref="ExitCodes"/>).
/// </summary>
internal sealed class CommandFailure(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public static CommandFailure Usage(string message) => new(ExitCodes.Usage, message);

    public static CommandFailure DataProblem(string message) => new(ExitCodes.Data, message);

    public static CommandFailure Environment(string message) => new(ExitCodes.Environment, message);
}
