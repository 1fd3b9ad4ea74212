namespace Vellum.TimeTravel;

/// <summary>What a restore made: the moment, where, how many transactions it applied, how many files (regular files, each name of a hard link once) and bytes (their sizes), and how long it took.</summary>
public sealed record RestoreSummary(ResolvedMoment Moment, string Directory, string? SubPath, long Transactions, long Files, long Bytes, TimeSpan Elapsed)
{
    /// <summary>Transactions up to the moment not applied: nothing of them survives to it, or concerns the subtree (not read either, where they fill more than 64 KiB of the store between those needed).</summary>
    public long Skipped { get; init; }

    /// <summary>With --best-effort: the transactions up to the moment that could not be read (damage), oldest first.</summary>
    public IReadOnlyList<LostTransactions> Lost { get; init; } = [];

    /// <summary>With --best-effort: the paths (as the journal named them then) that lost or unappliable transactions touched, so may not be as they were.</summary>
    public IReadOnlyList<string> NotExact { get; init; } = [];
}
