using Vellum.Journal.Format;

namespace Vellum.Store;

/// <summary>The sparse index rule, the same when appending and when rebuilding by a scan.</summary>
internal static class SegmentIndex
{
    /// <summary>Keeps the segment's first BEGIN and then each BEGIN at least <paramref name="spacing"/> bytes after the last one kept.</summary>
    public static void Add(List<CheckpointEntry> index, ulong transactionId, long offset, int spacing)
    {
        if (index.Count == 0 || offset - index[^1].Offset >= spacing)
            index.Add(new CheckpointEntry(transactionId, offset));
    }
}
