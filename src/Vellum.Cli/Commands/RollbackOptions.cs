namespace Vellum.Cli.Commands;

/// <summary>The parsed command line of `vellum rollback`.</summary>
internal sealed record RollbackOptions(string MountPoint, string To, string? SubPath, bool DryRun, bool Strict, bool Json)
{
    /// <summary>--allow-shared-journal: read a journal other users may access, with a warning, instead of refusing it.</summary>
    public bool AllowSharedJournal { get; init; }
}
