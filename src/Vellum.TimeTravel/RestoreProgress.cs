namespace Vellum.TimeTravel;

/// <summary>How far a restore is: transactions applied of those up to the moment (ids, so an estimate), data bytes written, time so far.</summary>
public readonly record struct RestoreProgress(long Transactions, ulong ThroughId, ulong AtId, long Bytes, long Files, TimeSpan Elapsed)
{
    /// <summary>The fraction of the id range replayed, 0..1.</summary>
    public double Fraction(ulong firstId) => AtId <= firstId ? 1.0 : Math.Clamp((double)(ThroughId - firstId) / (AtId - firstId), 0.0, 1.0);
}
