using Vellum.Journal.Format;

namespace Vellum.Store;

/// <summary>
/// What opening a store read-write repaired. A torn tail (an unfinished last record) is cut:
/// <see cref="CutBytes"/> bytes from <see cref="CutOffset"/> of <see cref="File"/>, holding
/// records of <see cref="CutTransactions"/>. Transactions left open by the crash are ended
/// with ABORTED records (<see cref="AbortedTransactions"/>), so no reader ever applies them.
/// </summary>
public sealed record RecoveryReport(
    string? File,
    long CutOffset,
    long CutBytes,
    IReadOnlyList<ulong> CutTransactions,
    IReadOnlyList<OpenTransaction> AbortedTransactions,
    string? TornDetail)
{
    public static RecoveryReport Clean { get; } = new(null, 0, 0, [], [], null);

    public bool IsClean => CutBytes == 0 && AbortedTransactions.Count == 0;

    public override string ToString()
    {
        if (IsClean)
            return "clean";
        var parts = new List<string>();
        if (CutBytes > 0)
        {
            var ids = CutTransactions.Count == 0 ? "" : $" (records of transaction(s) {string.Join(", ", CutTransactions)})";
            parts.Add($"cut a torn tail of {CutBytes} bytes at byte {CutOffset} of {File}{ids}: {TornDetail}");
        }
        if (AbortedTransactions.Count > 0)
            parts.Add($"ended unfinished transaction(s) {string.Join(", ", AbortedTransactions.Select(open => open.TransactionId))} as aborted");
        return string.Join("; ", parts);
    }
}
