namespace Vellum.Cli;

/// <summary>
/// What `vellum` exits with, the same for every command (README's table). A script can tell
/// a command line to fix (1) from data that needs attention (2) and from the system around
/// the command, to set right before trying again (3).
/// </summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked (including stopping on Ctrl-C or SIGTERM).</summary>
    public const int Done = 0;

    /// <summary>The command line is wrong: an unknown command or option, a missing or malformed value, options that do not go together.</summary>
    public const int Usage = 1;

    /// <summary>Data is damaged or does not fit: a damaged journal or store, a mirror that refused a transaction or belongs to another journal, a mount whose journal failed or is full.</summary>
    public const int Data = 2;

    /// <summary>The system around the command is not as it needs to be: a missing path or one of the wrong kind, no permission, a read-only filesystem, a refused mount, an address in use, an unreadable secrets file.</summary>
    public const int Environment = 3;

    /// <summary>A failure nothing above foresaw: a bug to report (EX_SOFTWARE of sysexits.h).</summary>
    public const int Unexpected = 70;
}
