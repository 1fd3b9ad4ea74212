namespace Vellum.Fuse;

/// <summary>How the kernel treats an open file (<c>FOPEN_*</c>; the values are the wire values).</summary>
[Flags]
public enum FuseOpenOptions : uint
{
    None = 0,
    DirectIo = 1 << 0,
    KeepCache = 1 << 1,
    NonSeekable = 1 << 2,
    CacheDir = 1 << 3,
    Stream = 1 << 4,
    NoFlush = 1 << 5,
    ParallelDirectWrites = 1 << 6,

    /// <summary>Reads and writes go straight to the backing file named by <see cref="FuseOpenReply.BackingId"/>.</summary>
    Passthrough = 1 << 7,
}

/// <summary>
/// The answer to OPEN, CREATE and OPENDIR: the filesystem's handle for the open file, and
/// options. For passthrough, register the backing fd with <see cref="FuseSession.OpenBacking"/>
/// and set <see cref="FuseOpenOptions.Passthrough"/> with the id it gave.
/// </summary>
public struct FuseOpenReply
{
    public ulong Handle { get; set; }
    public FuseOpenOptions Options { get; set; }
    public int BackingId { get; set; }
}
