using Vellum.Store;

namespace Vellum.Recording;

/// <summary>
/// What opening a mount's journal repaired: the store's own recovery, the ring's leftovers,
/// the changes settled, the backing files synced or redone for fsyncs the journal answered.
/// </summary>
public sealed record MountRecovery(RecoveryReport Store, RingRecoveryReport Ring, IReadOnlyList<SettledChange> Settled, DeferredSyncRecoveryReport Backing)
{
    public bool IsClean => Store.CutBytes == 0 && Ring.Appended == 0 && Ring.Incomplete == 0 && Settled.Count == 0 && Backing.Listed == 0;

    public override string ToString()
    {
        if (IsClean)
            return "journal clean";
        var parts = new List<string>();
        // The store keeps the mount's open transactions open; they are settled below.
        if (Store.CutBytes > 0)
            parts.Add((Store with { UnfinishedTransactions = [] }).ToString());
        if (Ring.Appended > 0 || Ring.Incomplete > 0)
            parts.Add($"moved {Ring.Appended} record(s) from the write-ahead ring into the store ({Ring.Incomplete} unfinished reservation(s) dropped)");
        if (Settled.Count > 0)
            parts.Add($"settled {Settled.Count} change(s) in flight: " + string.Join(", ", Settled.Select(s => $"{s.TransactionId} {s.Operation?.ToString().ToLowerInvariant() ?? "?"} {s.Outcome}")));
        if (Backing.Listed > 0)
            parts.Add(Backing.ToString());
        return string.Join("; ", parts);
    }
}
