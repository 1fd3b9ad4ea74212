namespace Vellum.Cli.Commands;

/// <summary>The parsed command line of `vellum log`.</summary>
internal sealed record LogOptions(string Path, bool Json, ulong From, ulong To, bool Follow)
{
    /// <summary>--allow-shared-journal: read a store directory other users may access, with a warning, instead of refusing it.</summary>
    public bool AllowSharedJournal { get; init; }
}
