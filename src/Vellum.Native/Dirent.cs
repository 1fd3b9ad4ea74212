namespace Vellum.Native;

/// <summary>
/// One struct linux_dirent64 in a getdents64 buffer: d_ino (8), d_off (8), d_reclen (2),
/// d_type (1), then the NUL-terminated name.
/// </summary>
public readonly ref struct Dirent
{
    private const int NameOffset = 19;

    public Dirent(ReadOnlySpan<byte> record)
    {
        Ino = BitConverter.ToUInt64(record);
        NextOffset = BitConverter.ToInt64(record[8..]);
        RecordLength = BitConverter.ToUInt16(record[16..]);
        Type = record[18];
        var name = record[NameOffset..RecordLength];
        NameWithNul = name[..(name.IndexOf((byte)0) + 1)];
    }

    public ulong Ino { get; }

    /// <summary>d_off: the cookie that resumes the listing after this entry.</summary>
    public long NextOffset { get; }

    public int RecordLength { get; }

    /// <summary>d_type: DT_REG, DT_DIR, ... (DT_UNKNOWN when the filesystem does not say).</summary>
    public byte Type { get; }

    /// <summary>The name with its terminating NUL, ready for an *at() call.</summary>
    public ReadOnlySpan<byte> NameWithNul { get; }

    public ReadOnlySpan<byte> Name => NameWithNul[..^1];

    /// <summary>"." or "..", which a listing of a tree's own entries leaves out.</summary>
    public bool IsDotOrDotDot => Name.SequenceEqual("."u8) || Name.SequenceEqual(".."u8);
}
