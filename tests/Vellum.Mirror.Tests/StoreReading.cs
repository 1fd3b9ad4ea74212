using Vellum.Journal.Scanning;
using Vellum.Store;

namespace Vellum.Mirror.Tests;

internal static class StoreReading
{
    /// <summary>Every committed transaction of the store, in the order the store holds them.</summary>
    public static List<TransactionEntry> Transactions(string directory)
    {
        using var store = SegmentStore.OpenReadOnly(directory);
        using var cursor = store.OpenCursor();
        var transactions = new List<TransactionEntry>();
        while (cursor.TryRead(out var entry))
        {
            if (entry is TransactionEntry transaction)
                transactions.Add(transaction);
        }
        Assert.Null(cursor.Error);
        return transactions;
    }

    /// <summary>The replica's persisted position, read through the mirror's own code.</summary>
    public static MirrorPosition? Position(string replica)
    {
        using var root = ReplicaRoot.Open(replica);
        return MirrorState.Read(root);
    }

    public static void SetPosition(string replica, MirrorPosition position)
    {
        using var root = ReplicaRoot.Open(replica);
        MirrorState.Write(root, position);
    }
}
