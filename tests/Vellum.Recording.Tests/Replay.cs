using Vellum.Journal.Scanning;
using Vellum.Mirror;
using Vellum.Store;
using Vellum.Testing;

namespace Vellum.Recording.Tests;

/// <summary>Replays a whole journal into a directory: what a replica built from nothing would hold.</summary>
internal static class Replay
{
    /// <summary>
    /// The root's own mode is not journaled (no transaction creates it), so both roots get
    /// the same explicit one: a passthrough in this test process sets the process umask to 0.
    /// </summary>
    public const UnixFileMode RootMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public static int Into(string journal, string target)
    {
        Directory.CreateDirectory(target);
        File.SetUnixFileMode(target, RootMode);
        using var store = SegmentStore.OpenReadOnly(journal);
        using var cursor = store.OpenCursor();
        using var applier = new JournalApplier(target);
        var applied = 0;
        while (cursor.TryRead(out var entry))
        {
            if (entry is TransactionEntry transaction)
            {
                applier.Apply(transaction);
                applied++;
            }
        }
        Assert.Null(cursor.Error);
        Assert.Empty(cursor.Incomplete);
        return applied;
    }

    /// <summary>Replays the (unmounted) mount's journal into ROOT/replay and requires it to equal the backing directory.</summary>
    public static void AssertEqualsBacking(JournaledMount mount)
    {
        var replica = Path.Combine(mount.Root, "replay");
        Into(mount.Journal, replica);
        TreeComparison.AssertEqual(mount.Backing, replica);
    }

    /// <summary>Every operation of the journal's committed transactions, in order.</summary>
    public static List<Journal.Operations.JournalOperation> Operations(string journal)
    {
        using var store = SegmentStore.OpenReadOnly(journal);
        using var cursor = store.OpenCursor();
        var operations = new List<Journal.Operations.JournalOperation>();
        while (cursor.TryRead(out var entry))
        {
            if (entry is TransactionEntry transaction)
                operations.AddRange(transaction.Operations);
        }
        return operations;
    }
}
