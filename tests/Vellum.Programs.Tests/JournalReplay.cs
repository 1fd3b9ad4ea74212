using Vellum.Journal.Scanning;
using Vellum.Mirror;
using Vellum.Store;

namespace Vellum.Programs.Tests;

/// <summary>Replays a whole journal into a new directory: what a replica built from nothing would hold.</summary>
internal static class JournalReplay
{
    public static void Into(string journal, string target, UnixFileMode rootMode)
    {
        Directory.CreateDirectory(target);
        File.SetUnixFileMode(target, rootMode);
        using var store = SegmentStore.OpenReadOnly(journal);
        using var cursor = store.OpenCursor();
        using var applier = new JournalApplier(target);
        while (cursor.TryRead(out var entry))
        {
            if (entry is TransactionEntry transaction)
                applier.Apply(transaction);
        }
        Assert.Null(cursor.Error);
        Assert.Empty(cursor.Incomplete);
    }
}
