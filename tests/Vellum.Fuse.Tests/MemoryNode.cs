using Vellum.Fuse;

namespace Vellum.Fuse.Tests;

/// <summary>One node of <see cref="MemoryFileSystem"/>: a directory, a regular file or a symlink.</summary>
internal sealed class MemoryNode
{
    public const uint TypeMask = 0xF000;
    public const uint Directory = 0x4000;
    public const uint Regular = 0x8000;
    public const uint Symlink = 0xA000;

    public MemoryNode(ulong id, uint mode, uint uid, uint gid)
    {
        Id = id;
        Mode = mode;
        Uid = uid;
        Gid = gid;
        NLink = IsDirectory ? 2u : 1u;
        Touch();
    }

    public ulong Id { get; }
    public uint Mode { get; set; }
    public uint Uid { get; set; }
    public uint Gid { get; set; }
    public uint NLink { get; set; }
    public byte[] Data { get; set; } = [];
    public long Size { get; set; }
    public byte[] Target { get; set; } = [];
    public SortedDictionary<string, ulong> Children { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, byte[]> Xattrs { get; } = new(StringComparer.Ordinal);
    public DateTimeOffset MTime { get; set; }

    /// <summary>A real file whose descriptor read-only opens hand to the kernel (passthrough).</summary>
    public string? BackingPath { get; set; }

    /// <summary>Opens throw (see <see cref="MemoryFileSystem.AddBrokenFile"/>).</summary>
    public bool IsBroken { get; set; }

    /// <summary>Reads block until interrupted.</summary>
    public bool IsSlow { get; set; }

    public bool IsDirectory => (Mode & TypeMask) == Directory;

    public void Touch() => MTime = DateTimeOffset.UtcNow;

    public FuseAttr Attr()
    {
        var seconds = MTime.ToUnixTimeSeconds();
        var nanoseconds = (uint)(MTime.UtcTicks % TimeSpan.TicksPerSecond * 100);
        var size = (Mode & TypeMask) switch
        {
            Symlink => Target.Length,
            Directory => 4096,
            _ => BackingPath is null ? Size : new FileInfo(BackingPath).Length,
        };
        return new FuseAttr
        {
            Ino = Id,
            Size = (ulong)size,
            Blocks = (ulong)((size + 511) / 512),
            ATime = seconds,
            MTime = seconds,
            CTime = seconds,
            ATimeNsec = nanoseconds,
            MTimeNsec = nanoseconds,
            CTimeNsec = nanoseconds,
            Mode = Mode,
            NLink = NLink,
            Uid = Uid,
            Gid = Gid,
            BlkSize = 4096,
        };
    }

    public FuseEntry Entry() => new() { NodeId = Id, Attr = Attr() };

    public void Resize(long size)
    {
        if (size > Data.Length)
        {
            var grown = new byte[Math.Max(size, Math.Min(Data.Length * 2L, Array.MaxLength))];
            Data.AsSpan(0, (int)Size).CopyTo(grown);
            Data = grown;
        }
        else if (size < Size)
        {
            Data.AsSpan((int)size, (int)(Size - size)).Clear();
        }

        Size = size;
    }
}
