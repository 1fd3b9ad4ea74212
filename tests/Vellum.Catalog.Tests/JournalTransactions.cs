using System.Text;
using Vellum.Journal.Scanning;
using Vellum.Store;

namespace Vellum.Catalog.Tests;

/// <summary>The journal read the slow way, for what a history must equal: the ids of the transactions whose operations name one of some paths.</summary>
internal static class JournalTransactions
{
    public static List<ulong> Naming(string store, params string[] paths)
    {
        var names = paths.Select(Encoding.UTF8.GetBytes).ToList();
        using var opened = SegmentStore.OpenReadOnly(store);
        using var cursor = opened.OpenCursor();
        var ids = new List<ulong>();
        while (cursor.TryRead(out var entry))
        {
            if (entry is TransactionEntry transaction && transaction.Operations.Any(operation =>
                names.Any(name => name.AsSpan().SequenceEqual(operation.Path) || name.AsSpan().SequenceEqual(operation.Path2))))
                ids.Add(transaction.TransactionId);
        }
        return ids;
    }
}
