using System.Buffers.Binary;
using Vellum.Journal.Format;
using Vellum.Native;

namespace Vellum.Recording;

/// <summary>
/// One file whose fsync the journal answered without syncing the backing file: its kernel
/// file handle, its inode, and the first transaction id whose effect on it the backing
/// directory may lack after a power cut (everything before was synced on the backing file).
/// </summary>
internal readonly record struct DeferredSync(ulong Inode, ulong FromTransactionId, byte[] Handle);

/// <summary>
/// The file <c>JOURNAL/deferred-syncs</c> (docs/journal-format.md 7): the boot it was written
/// in and the <see cref="DeferredSync"/> entries. An entry is appended and synced before the
/// first fsync it covers returns; the whole file is replaced (write, sync, rename, sync the
/// directory) when a checkpoint has synced the backing files. Each entry carries a CRC32C, so
/// an append cut short by a crash reads as the end of the file: its fsync never returned.
/// </summary>
internal sealed class DeferredSyncTable : IDisposable
{
    public const string FileName = "deferred-syncs";
    public const int HeaderSize = 32;
    public const int BootIdOffset = 16;
    public const int EntryHeaderSize = 24;
    public const int MaxHandleSize = 8 + 128;

    private static ReadOnlySpan<byte> Magic => "VDEFSYNC"u8;

    private const uint Version = 1;

    private readonly string _path;
    private FileStream _file;

    private DeferredSyncTable(string path, FileStream file)
    {
        _path = path;
        _file = file;
    }

    /// <summary>Replaces any table at <paramref name="path"/> by one holding <paramref name="entries"/>, written in this boot.</summary>
    public static DeferredSyncTable Create(string path, IEnumerable<DeferredSync> entries)
    {
        var file = WriteReplacement(path, entries);
        return new DeferredSyncTable(path, file);
    }

    /// <summary>
    /// The boot a table was written in and its whole entries, in file order; null when there
    /// is no table.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a deferred-sync table.</exception>
    public static (Guid BootId, List<DeferredSync> Entries)? Read(string path)
    {
        if (!File.Exists(path))
            return null;
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < HeaderSize || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic)
            || BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)) != Version)
            throw new InvalidDataException($"{path} is not a Vellum deferred-sync table (version {Version})");
        var bootId = new Guid(bytes.AsSpan(BootIdOffset, 16));
        var entries = new List<DeferredSync>();
        var at = HeaderSize;
        while (TryParse(bytes.AsSpan(at), out var entry, out var size))
        {
            entries.Add(entry);
            at += size;
        }
        return (bootId, entries);
    }

    /// <summary>Appends <paramref name="entry"/> and syncs it: when this returns, the entry survives a power cut.</summary>
    public void Append(DeferredSync entry)
    {
        var bytes = Format(entry);
        _file.Write(bytes);
        _file.Flush(flushToDisk: true);
    }

    /// <summary>Replaces the table's contents by <paramref name="entries"/>; a crash leaves either the old table or the new one whole.</summary>
    public void Replace(IEnumerable<DeferredSync> entries)
    {
        var replacement = WriteReplacement(_path, entries);
        _file.Dispose();
        _file = replacement;
    }

    public void Dispose() => _file.Dispose();

    private static FileStream WriteReplacement(string path, IEnumerable<DeferredSync> entries)
    {
        var file = OwnerOnly.CreateReplacement(path);
        try
        {
            Span<byte> header = stackalloc byte[HeaderSize];
            header.Clear();
            Magic.CopyTo(header);
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Version);
            Fifo.BootId.Current().TryWriteBytes(header[BootIdOffset..]);
            file.Write(header);
            foreach (var entry in entries)
                file.Write(Format(entry));
            OwnerOnly.CommitReplacement(file, path);
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static byte[] Format(DeferredSync entry)
    {
        if (entry.Handle.Length > MaxHandleSize)
            throw new ArgumentException($"a file handle of {entry.Handle.Length} bytes is longer than {MaxHandleSize}", nameof(entry));
        var bytes = new byte[EntryHeaderSize + entry.Handle.Length];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], (ushort)entry.Handle.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(span[8..], entry.Inode);
        BinaryPrimitives.WriteUInt64LittleEndian(span[16..], entry.FromTransactionId);
        entry.Handle.CopyTo(span[EntryHeaderSize..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span, Crc32C.Compute(span[4..]));
        return bytes;
    }

    private static bool TryParse(ReadOnlySpan<byte> bytes, out DeferredSync entry, out int size)
    {
        entry = default;
        size = 0;
        if (bytes.Length < EntryHeaderSize)
            return false;
        var handleLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]);
        if (handleLength > MaxHandleSize || bytes.Length < EntryHeaderSize + handleLength)
            return false;
        size = EntryHeaderSize + handleLength;
        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Crc32C.Compute(bytes[4..size]))
            return false;
        entry = new DeferredSync(
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]),
            bytes[EntryHeaderSize..size].ToArray());
        return true;
    }
}
