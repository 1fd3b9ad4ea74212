using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using Vellum.Native;

namespace Vellum.Fifo;

/// <summary>
/// A FIFO ring in a shared file mapping: every byte a writer puts in the ring is in the
/// page cache the moment it is stored, so it survives the process (a SIGKILL, not a power
/// loss). Its 4 KiB header (layout in docs/journal-format.md 6.1) records how far writers
/// reserved and how far the sink had taken records, so <see cref="RecoveredRing"/> can find
/// what a killed process left unsent.
/// </summary>
public sealed unsafe class RingFile : IDisposable
{
    public const int HeaderSize = 4096;

    internal const ulong Magic = 0x31474E49524C4C56; // "VLLRING1"
    internal const int RingSizeOffset = 8;
    internal const int BootIdOffset = 16;
    internal const int JournalIdOffset = 32;
    internal const int WrittenOffset = 48;
    internal const int DrainedGenerationOffset = 56;
    internal const int DrainedSlotsOffset = 64;

    private readonly MemoryMappedFile _mapping;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _base;

    private RingFile(string path, int ringSize, MemoryMappedFile mapping, MemoryMappedViewAccessor view)
    {
        Path = path;
        RingSize = ringSize;
        _mapping = mapping;
        _view = view;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref _base);
        _base += _view.PointerOffset;
    }

    public string Path { get; }

    public int RingSize { get; }

    internal byte* Data => _base + HeaderSize;

    /// <summary>
    /// Creates (or replaces) the ring file for a new FIFO of <paramref name="ringSize"/> bytes:
    /// the old one is removed and a new one created owner-only and exclusively, so a symlink in
    /// its place is removed rather than written through.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static RingFile Create(string path, int ringSize, Guid journalId)
    {
        if (LibC.UnlinkAt(LibCConstants.AtFdCwd, path, 0) != 0 && LibC.LastError() is var errno && errno != Errno.ENOENT)
            throw new SystemCallException("unlink", path, errno);
        var file = new FileStream(OwnerOnly.CreateFile(path), FileAccess.ReadWrite, 1);
        MemoryMappedFile mapping;
        try
        {
            file.SetLength(HeaderSize + (long)ringSize);
            mapping = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
        }
        catch
        {
            file.Dispose();
            throw;
        }
        var ring = new RingFile(path, ringSize, mapping, mapping.CreateViewAccessor(0, HeaderSize + (long)ringSize));
        var header = new Span<byte>(ring._base, HeaderSize);
        header.Clear();
        BinaryPrimitives.WriteInt32LittleEndian(header[RingSizeOffset..], ringSize);
        BootId.Current().TryWriteBytes(header[BootIdOffset..]);
        journalId.TryWriteBytes(header[JournalIdOffset..]);
        // The magic goes last: a file torn while being set up is not a ring file.
        Volatile.Write(ref Unsafe.AsRef<ulong>(ring._base), Magic);
        return ring;
    }

    /// <summary>Every reservation lies below <paramref name="position"/>; called under the FIFO's lock.</summary>
    internal void RecordWritten(ulong position) =>
        Volatile.Write(ref Unsafe.AsRef<ulong>(_base + WrittenOffset), position);

    /// <summary>
    /// The sink has taken every record below <paramref name="fifoPosition"/>, and its own
    /// position after them is <paramref name="sinkPosition"/>. Two slots and a generation
    /// that picks one, so a kill between the two fields never leaves a torn pair.
    /// </summary>
    public void RecordDrained(ulong fifoPosition, long sinkPosition)
    {
        ref var generation = ref Unsafe.AsRef<ulong>(_base + DrainedGenerationOffset);
        var next = generation + 1;
        var slot = _base + DrainedSlotsOffset + (int)(next & 1) * 16;
        Unsafe.AsRef<ulong>(slot) = fifoPosition;
        Unsafe.AsRef<long>(slot + 8) = sinkPosition;
        Volatile.Write(ref generation, next);
    }

    public void Dispose()
    {
        if (_base is null)
            return;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _base = null;
        _view.Dispose();
        _mapping.Dispose();
    }
}
