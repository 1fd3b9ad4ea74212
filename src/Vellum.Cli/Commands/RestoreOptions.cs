namespace Vellum.Cli.Commands;

/// <summary>The parsed command line of `vellum restore`.</summary>
internal sealed record RestoreOptions(string Store, string At, string To, string? SubPath, bool Json)
{
    /// <summary>--allow-shared-journal: read a store other users may access, with a warning, instead of refusing it.</summary>
    public bool AllowSharedJournal { get; init; }

    /// <summary>--best-effort: go on past damage, listing what could not be restored exactly, instead of stopping at it.</summary>
    public bool BestEffort { get; init; }
}
