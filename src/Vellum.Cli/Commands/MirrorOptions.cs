namespace Vellum.Cli.Commands;

/// <summary>The parsed `vellum mirror` command line.</summary>
internal sealed record MirrorOptions(string Store, string Replica, bool Follow, bool Verify = false, bool Rebuild = false)
{
    /// <summary>--allow-shared-journal: apply a store other users may access, with a warning, instead of refusing it.</summary>
    public bool AllowSharedJournal { get; init; }

    /// <exception cref="CommandFailure">Options that do not go together (usage).</exception>
    public void Check()
    {
        if (new[] { Follow, Verify, Rebuild }.Count(chosen => chosen) > 1)
            throw CommandFailure.Usage("--follow, --verify and --rebuild do not go together: choose one");
    }
}
