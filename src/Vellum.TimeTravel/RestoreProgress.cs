namespace Vellum.TimeTravel;

/// <summary>How far a restore is: transactions applied of those up to the moment (ids, so an estimate), data bytes written, time so far.</summary>
public readonly record struct RestoreProgress(long Transactions, ulong ThroughId, ulong AtId, long Bytes, long Files, TimeSpan Elapsed)
{
    /// <summary>The fraction of the ids up to the moment replayed, 0..1 (a replay starts at the journal's first).</summary>
    public double Fraction => AtId == 0 ? 1.0 : Math.Clamp((double)ThroughId / AtId, 0.0, 1.0);
}
