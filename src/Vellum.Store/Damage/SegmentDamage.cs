namespace Vellum.Store;

/// <summary>
/// A stretch of a segment file that does not hold valid records: from <see cref="Offset"/>, the
/// start of the first record that fails its checks, to the next valid record (or the file's
/// end). <see cref="Transactions"/> are the ones whose records may lie in it: those open where
/// it starts and the one named by the damaged record's own header, when that header holds.
/// </summary>
public sealed record SegmentDamage(
    string File,
    long SegmentStart,
    long Offset,
    long Length,
    string Problem,
    IReadOnlyList<ulong> Transactions,
    ulong LastBegunBefore,
    ulong? FirstAfter)
{
    /// <summary>The paths the operations of <see cref="Transactions"/> name, as far as their first records (before the damage, in this segment) can be read.</summary>
    public IReadOnlyList<string> Paths { get; init; } = [];

    /// <summary>Store position of the damage's first byte.</summary>
    public long Position => SegmentStart + Offset;

    public long End => Offset + Length;

    public override string ToString()
    {
        var paths = Paths.Count == 0 ? "" : $" (path(s) {string.Join(", ", Paths.Take(8))}{(Paths.Count > 8 ? ", ..." : "")})";
        var ids = Transactions.Count == 0 ? "" : $"; transaction(s) {string.Join(", ", Transactions)}{paths} have records in it";
        var after = FirstAfter is { } next ? $", the first record after it is transaction {next}'s" : ", no valid record after it";
        return $"{System.IO.Path.GetFileName(File)} bytes {Offset} to {End} (store positions {Position} to {Position + Length}): {Problem}{ids} (the last transaction begun before it is {LastBegunBefore}{after})";
    }
}

/// <summary>What verifying one segment found: every record's checks, and the damaged stretches between valid records.</summary>
public sealed record SegmentVerification(string File, long SegmentStart, long Length, IReadOnlyList<SegmentDamage> Damage)
{
    public bool IsClean => Damage.Count == 0;
}
