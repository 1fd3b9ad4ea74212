using Vellum.Journal.Format;

namespace Vellum.Store;

/// <summary>
/// What opening a store read-write repaired. A torn tail (an unfinished last record) is cut:
/// <see cref="CutBytes"/> bytes from <see cref="CutOffset"/> of <see cref="File"/>, holding
/// records of <see cref="CutTransactions"/>, and the <see cref="ZerosAfterCut"/> zeros after
/// them (a runway the writer had laid ahead of its records). Transactions left open by the
/// crash are listed in <see cref="UnfinishedTransactions"/>; when <see cref="UnfinishedEnded"/>,
/// the store ended them with ABORTED records, so no reader ever applies them; otherwise they
/// stay open for their writer to go on with (a replica, a journaled mount replaying its ring).
/// </summary>
public sealed record RecoveryReport(
    string? File,
    long CutOffset,
    long CutBytes,
    IReadOnlyList<ulong> CutTransactions,
    IReadOnlyList<OpenTransaction> UnfinishedTransactions,
    string? TornDetail,
    bool UnfinishedEnded = false)
{
    public static RecoveryReport Clean { get; } = new(null, 0, 0, [], [], null);

    /// <summary>Zeros cut after the torn bytes: space written ahead, never data.</summary>
    public long ZerosAfterCut { get; init; }

    public bool IsClean => CutBytes == 0 && UnfinishedTransactions.Count == 0;

    public override string ToString()
    {
        if (IsClean)
            return "clean";
        var parts = new List<string>();
        if (CutBytes > 0)
        {
            var ids = CutTransactions.Count == 0 ? "" : $" (records of transaction(s) {string.Join(", ", CutTransactions)})";
            var zeros = ZerosAfterCut == 0 ? "" : $", and the {ZerosAfterCut} zero bytes written ahead of it";
            parts.Add($"cut a torn tail of {CutBytes} bytes at byte {CutOffset} of {File}{ids}{zeros}: {TornDetail}");
        }
        if (UnfinishedTransactions.Count > 0)
        {
            var ids = string.Join(", ", UnfinishedTransactions.Select(open => open.TransactionId));
            parts.Add(UnfinishedEnded ? $"ended unfinished transaction(s) {ids} as aborted" : $"kept unfinished transaction(s) {ids} open for their writer to go on with");
        }
        return string.Join("; ", parts);
    }
}
