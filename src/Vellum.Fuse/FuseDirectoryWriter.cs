using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Vellum.Fuse.Protocol;

namespace Vellum.Fuse;

/// <summary>
/// Packs directory entries straight into the reply buffer: <c>fuse_dirent</c> for READDIR,
/// <c>fuse_direntplus</c> for READDIRPLUS, each padded to 8 bytes. <see cref="TryAdd"/>
/// returns false when the entry does not fit the size the kernel asked for; the filesystem
/// stops there and the kernel asks again from that entry's offset.
/// </summary>
public ref struct FuseDirectoryWriter
{
    private readonly Span<byte> _buffer;
    private readonly long _entryValidSeconds;
    private readonly uint _entryValidNsec;
    private readonly long _attrValidSeconds;
    private readonly uint _attrValidNsec;
    private int _length;

    internal FuseDirectoryWriter(Span<byte> buffer, bool plus, FuseTimeouts timeouts)
    {
        _buffer = buffer;
        IsPlus = plus;
        (_entryValidSeconds, _entryValidNsec) = timeouts.Entry;
        (_attrValidSeconds, _attrValidNsec) = timeouts.Attr;
        _length = 0;
    }

    /// <summary>
    /// READDIRPLUS: every entry carries its attributes and the kernel counts a lookup for each
    /// entry other than "." and ".." (returned by FORGET like any lookup).
    /// </summary>
    public readonly bool IsPlus { get; }

    /// <summary>Bytes packed so far.</summary>
    public readonly int Length => _length;

    /// <summary>
    /// Adds one entry. <paramref name="nextOffset"/> is the cookie the kernel passes back to
    /// continue after this entry (never 0). For READDIR only <c>entry.Attr.Ino</c> and the file
    /// type bits of <c>entry.Attr.Mode</c> are used.
    /// </summary>
    public bool TryAdd(scoped ReadOnlySpan<byte> name, in FuseEntry entry, long nextOffset)
    {
        var header = IsPlus ? Unsafe.SizeOf<FuseEntryOut>() + Unsafe.SizeOf<FuseDirent>() : Unsafe.SizeOf<FuseDirent>();
        var size = (header + name.Length + 7) & ~7;
        if (_length + size > _buffer.Length)
        {
            return false;
        }

        var target = _buffer.Slice(_length, size);
        var position = 0;
        if (IsPlus)
        {
            var entryOut = new FuseEntryOut
            {
                NodeId = entry.NodeId,
                Generation = entry.Generation,
                EntryValid = (ulong)_entryValidSeconds,
                EntryValidNsec = _entryValidNsec,
                AttrValid = (ulong)_attrValidSeconds,
                AttrValidNsec = _attrValidNsec,
                Attr = entry.Attr,
            };
            MemoryMarshal.Write(target, in entryOut);
            position = Unsafe.SizeOf<FuseEntryOut>();
        }

        var dirent = new FuseDirent
        {
            Ino = entry.Attr.Ino,
            Off = (ulong)nextOffset,
            NameLen = (uint)name.Length,
            Type = (entry.Attr.Mode & 0xF000) >> 12,
        };
        MemoryMarshal.Write(target[position..], in dirent);
        position += Unsafe.SizeOf<FuseDirent>();
        name.CopyTo(target[position..]);
        target[(position + name.Length)..].Clear();
        _length += size;
        return true;
    }
}
