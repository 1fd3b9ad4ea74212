namespace Vellum.TimeTravel.Rollback;

/// <summary>What a rollback did (or, dry, would do): the moment, every path it changed with its letter, and the paths that differed from the moment again once it had finished.</summary>
public sealed record RollbackResult(ResolvedMoment Moment, string LiveRoot, bool DryRun, IReadOnlyList<RollbackChange> Changes, IReadOnlyList<RollbackChange> ChangedMeanwhile, TimeSpan Elapsed)
{
    public int Count(char code) => Changes.Count(change => change.Code == code);
}
