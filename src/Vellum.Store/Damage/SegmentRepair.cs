namespace Vellum.Store;

/// <summary>
/// Puts a copy's bytes into a damaged segment, only once the segment as it would then be
/// verifies whole: every record's CRC32C, and every replaced range joining the records on
/// both sides of it (the walk crosses it record by record). A sealed segment is written
/// beside as a new file, synced, and renamed over the old one (nobody writes a sealed
/// segment, and a crash leaves either file whole); the newest segment, which a writer may
/// still append to through its own descriptor, gets the ranges written in place (only bytes
/// that were damaged are overwritten, so a crash leaves it no worse).
/// </summary>
public static class SegmentRepair
{
    private const string RepairingSuffix = ".repairing";

    /// <exception cref="StoreRepairException">The bytes given do not make the segment whole, or the segment cannot be read or written; nothing was changed, or only damaged bytes.</exception>
    public static void Apply(string path, long segmentStart, bool isSealed, IReadOnlyList<SegmentPatch> patches)
    {
        try
        {
            ApplyChecked(path, segmentStart, isSealed, patches);
        }
        catch (StoreIOException failed)
        {
            throw new StoreRepairException($"{Path.GetFileName(path)} could not be repaired: {failed.Message}", failed);
        }
    }

    private static void ApplyChecked(string path, long segmentStart, bool isSealed, IReadOnlyList<SegmentPatch> patches)
    {
        using (var original = new FileSegmentBytes(path))
        {
            if (patches.FirstOrDefault(p => p.Offset < 0 || p.Offset + p.Bytes.Length > original.Length) is { } outside)
                throw new StoreRepairException($"{Path.GetFileName(path)}: a replacement for bytes {outside.Offset} to {outside.Offset + outside.Bytes.Length} lies outside the file ({original.Length} bytes)");
            var candidate = new PatchedSegmentBytes(original, patches);
            var check = SegmentWalk.Run(candidate, path, segmentStart, isSealed);
            if (check.Damage.Count > 0)
                throw new StoreRepairException($"{Path.GetFileName(path)} would still not verify with the copy's bytes: {check.Damage[0]}");
            if (patches.FirstOrDefault(p => p.Offset + p.Bytes.Length > check.Length) is { } beyond)
                throw new StoreRepairException($"{Path.GetFileName(path)}: the copy's bytes {beyond.Offset} to {beyond.Offset + beyond.Bytes.Length} do not join the records after them");
            if (isSealed)
            {
                ReplaceSealed(path, candidate);
                return;
            }
        }
        using var file = SegmentFile.Open(path, write: true);
        foreach (var patch in patches)
            file.WriteAt(patch.Bytes, patch.Offset);
        file.DataSync();
    }

    private static void ReplaceSealed(string path, PatchedSegmentBytes candidate)
    {
        var beside = path + RepairingSuffix;
        File.Delete(beside);
        using (var file = SegmentFile.Open(beside, write: true, create: true))
        {
            var buffer = new byte[4 << 20];
            for (var at = 0L; at < candidate.Length;)
            {
                var read = candidate.ReadAt(buffer, at);
                file.WriteAt(buffer.AsSpan(0, read), at);
                at += read;
            }
            file.DataSync();
        }
        File.Move(beside, path, overwrite: true);
        SegmentFile.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }
}
