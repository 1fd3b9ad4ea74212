namespace Vellum.Store;

/// <summary>
/// Verifies segment files record by record (what opening a store does not: it trusts a
/// sealed segment's checkpoint). Reads go to the disk, not the page cache, where the kernel
/// lets them (clean cached pages are dropped first and after).
/// </summary>
public static class SegmentVerifier
{
    /// <param name="isSealed">A sealed segment must be valid records to its last byte; the newest may end with a runway's zeros or a record still being written.</param>
    public static SegmentVerification Verify(string path, long segmentStart, bool isSealed, ScrubPace? pace = null)
    {
        using var bytes = new FileSegmentBytes(path);
        return SegmentWalk.Run(bytes, path, segmentStart, isSealed, pace);
    }

    /// <summary>Every segment file of the store in <paramref name="directory"/>, in store order; all but the newest are sealed.</summary>
    public static IReadOnlyList<SegmentVerification> VerifyDirectory(string directory, ScrubPace? pace = null)
    {
        var files = StoreFiles.List(directory);
        return [.. files.Select((file, i) => Verify(file.Path, file.Start, isSealed: i < files.Count - 1, pace))];
    }
}
