using Vellum.Recording;

namespace Vellum.Cli.Commands;

/// <summary>The parsed command line of `vellum mount`.</summary>
internal sealed record MountOptions(string Backing, string MountPoint, string? Journal, bool NoJournal, bool Reversible, SyncMode Sync, bool Passthrough)
{
    /// <summary>--replicate and its companions; no targets when not replicating.</summary>
    public ReplicationOptions Replication { get; init; } = ReplicationOptions.None;

    /// <summary>--defer-backing-sync SECONDS: the checkpoint interval of fsyncs the journal answers alone; zero turns that off.</summary>
    public TimeSpan BackingSyncDelay { get; init; } = MountJournalOptions.DefaultBackingSyncDelay;

    /// <summary>--scrub-interval DURATION: how often the journal's sealed segments are verified; zero: never.</summary>
    public TimeSpan ScrubInterval { get; init; } = ScrubIntervalOption.Default;

    /// <summary>--commit-interval DURATION: how often the journal is made durable at least, without an fsync; zero turns that off.</summary>
    public TimeSpan CommitInterval { get; init; } = MountJournalOptions.DefaultCommitInterval;

    /// <summary>--baseline-rate BYTES: how fast the baseline reads at most, per second; 0 for no limit.</summary>
    public long BaselineRate { get; init; }

    /// <summary>--rebind-journal: bind BACKING to this journal on purpose, whatever either was bound to.</summary>
    public bool RebindJournal { get; init; }

    /// <summary>--allow-shared-journal: use a journal other users may access, with a warning, instead of refusing it.</summary>
    public bool AllowSharedJournal { get; init; }

    /// <summary>The options as given, their combinations checked and the paths made absolute.</summary>
    /// <exception cref="CommandFailure">Options that do not go together (usage).</exception>
    public static MountOptions Create(string backing, string mountPoint, string? journal, bool noJournal, bool reversible, SyncMode sync, bool passthrough, ReplicationOptions replication, TimeSpan backingSyncDelay)
    {
        if (noJournal && (journal is not null || reversible))
            throw CommandFailure.Usage("--no-journal cannot be combined with --journal or --reversible");
        if (sync == SyncMode.Remote && replication.Targets.Count == 0)
            throw CommandFailure.Usage("--sync remote waits for replication targets: give at least one --replicate tcp://HOST:PORT");
        if (noJournal && replication.Targets.Count > 0)
            throw CommandFailure.Usage("--no-journal cannot be combined with --replicate: the journal is what is replicated");
        var fullBacking = Path.TrimEndingDirectorySeparator(Path.GetFullPath(backing));
        var fullMountPoint = Path.TrimEndingDirectorySeparator(Path.GetFullPath(mountPoint));
        var fullJournal = noJournal ? null : Path.TrimEndingDirectorySeparator((journal is null ? DefaultJournal.For(fullBacking) : Path.GetFullPath(journal)));
        return new MountOptions(fullBacking, fullMountPoint, fullJournal, noJournal, reversible, sync, passthrough)
        {
            Replication = replication,
            BackingSyncDelay = backingSyncDelay,
        };
    }
}
