using System.Buffers.Binary;

namespace Vellum.Catalog;

/// <summary>
/// How far a journaled mount's store is durable, read from its write-ahead ring file's header
/// (docs/journal-format.md 6.1) without touching the mount: the drained slot's store position,
/// which the mount writes only after a sync of the store covered it. Only while a mount holds
/// the journal (its mount.lock is there: a mount removes it as it stops, whose last records the
/// slot does not cover) and the ring is of this boot and journal; a store without a running
/// mount (a `vellum serve` replica, a stopped mount's journal) has no such limit: every
/// complete record counts.
/// </summary>
internal static class DurableEnd
{
    private const string RingFileName = "write-ahead.ring";
    private const string MountLockFileName = "mount.lock";
    private const int HeaderBytes = 96;

    public static long? Of(string storeDirectory, Guid journalId)
    {
        if (!File.Exists(Path.Combine(storeDirectory, MountLockFileName)))
            return null;
        var path = Path.Combine(storeDirectory, RingFileName);
        Span<byte> header = stackalloc byte[HeaderBytes];
        Span<byte> again = stackalloc byte[8];
        try
        {
            using var ring = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            for (var attempt = 0; attempt < 100; attempt++)
            {
                if (RandomAccess.Read(ring, header, 0) != HeaderBytes || !header[..8].SequenceEqual("VLLRING1"u8))
                    return null;
                if (new Guid(header.Slice(32, 16)) != journalId || new Guid(header.Slice(16, 16)) != BootId())
                    return null;
                var generation = BinaryPrimitives.ReadUInt64LittleEndian(header[56..]);
                var slot = 64 + (int)(generation & 1) * 16;
                var position = BinaryPrimitives.ReadInt64LittleEndian(header[(slot + 8)..]);
                // The mount writes the next slot, then the generation: a generation unchanged
                // across the read means the slot read was not being rewritten.
                if (RandomAccess.Read(ring, again, 56) == 8 && BinaryPrimitives.ReadUInt64LittleEndian(again) == generation)
                    return position;
            }
            return null;
        }
        catch (Exception missing) when (missing is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            return null;
        }
    }

    private static Guid BootId() =>
        Guid.TryParse(File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim(), out var id) ? id : Guid.Empty;
}
