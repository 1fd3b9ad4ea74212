using System.Buffers.Binary;
using System.Text;

namespace Vellum.Journal.Format;

/// <summary>
/// The payload of a sync point record: who wrote the journal and from where. Fixed part of
/// 48 bytes, then the source host and mount root as u16-length-prefixed UTF-8.
/// </summary>
public sealed record JournalHeader(
    ushort Version,
    ushort MinCompatibleVersion,
    JournalFlags Flags,
    Guid JournalId,
    ulong FirstTransactionId,
    JournalTimestamp WallClock,
    string SourceHost,
    string MountRoot)
{
    public const int FixedSize = 48;

    public static JournalHeader Create(Guid journalId, ulong firstTransactionId, string sourceHost, string mountRoot, JournalFlags flags = JournalFlags.None) =>
        new(JournalFormat.Version, JournalFormat.MinCompatibleVersion, flags, journalId, firstTransactionId, JournalTimestamp.Now(), sourceHost, mountRoot);

    public bool IsReversible => (Flags & JournalFlags.Reversible) != 0;

    public int EncodedSize => FixedSize + 2 + Encoding.UTF8.GetByteCount(SourceHost) + 2 + Encoding.UTF8.GetByteCount(MountRoot);

    public int Format(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, Version);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], MinCompatibleVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)Flags);
        JournalId.TryWriteBytes(destination[8..24]);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], FirstTransactionId);
        WallClock.Format(destination[32..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[44..], 0);
        var at = FixedSize;
        at += WriteString(destination[at..], SourceHost);
        at += WriteString(destination[at..], MountRoot);
        return at;
    }

    /// <summary>Parses a sync point payload; the message says what was wrong, for the caller to place.</summary>
    public static bool TryParse(ReadOnlySpan<byte> source, out JournalHeader? header, out string? problem)
    {
        header = null;
        if (source.Length < FixedSize + 4)
        {
            problem = $"sync point payload of {source.Length} bytes, expected at least {FixedSize + 4}";
            return false;
        }
        var version = BinaryPrimitives.ReadUInt16LittleEndian(source);
        var minCompatible = BinaryPrimitives.ReadUInt16LittleEndian(source[2..]);
        if (minCompatible > JournalFormat.Version)
        {
            problem = $"journal needs reader version {minCompatible} or later (written by version {version}); this reader is version {JournalFormat.Version}";
            return false;
        }
        var flags = (JournalFlags)BinaryPrimitives.ReadUInt32LittleEndian(source[4..]);
        if ((flags & ~JournalFlags.All) != 0 && version <= JournalFormat.Version)
        {
            problem = $"unknown journal flags 0x{(uint)flags:X8}";
            return false;
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(source[44..]) != 0)
        {
            problem = "reserved bytes 44..47 of the sync point are not zero";
            return false;
        }
        var at = FixedSize;
        if (!TryReadString(source, ref at, out var host, out problem) || !TryReadString(source, ref at, out var root, out problem))
            return false;
        if (at != source.Length)
        {
            problem = $"sync point payload has {source.Length - at} bytes after the mount root";
            return false;
        }
        header = new JournalHeader(version, minCompatible, flags, new Guid(source[8..24]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[24..]), JournalTimestamp.Parse(source[32..]), host!, root!);
        problem = null;
        return true;
    }

    private static int WriteString(Span<byte> destination, string value)
    {
        var length = Encoding.UTF8.GetBytes(value, destination[2..]);
        BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)length);
        return 2 + length;
    }

    private static bool TryReadString(ReadOnlySpan<byte> source, ref int at, out string? value, out string? problem)
    {
        value = null;
        if (source.Length - at < 2)
        {
            problem = $"sync point ends at byte {source.Length} inside a string length";
            return false;
        }
        int length = BinaryPrimitives.ReadUInt16LittleEndian(source[at..]);
        if (length > JournalLimits.MaxHeaderStringLength || source.Length - at - 2 < length)
        {
            problem = $"sync point string of {length} bytes at byte {at} does not fit (limit {JournalLimits.MaxHeaderStringLength}, {source.Length - at - 2} left)";
            return false;
        }
        value = Encoding.UTF8.GetString(source.Slice(at + 2, length));
        at += 2 + length;
        problem = null;
        return true;
    }
}

[Flags]
public enum JournalFlags : uint
{
    None = 0,

    /// <summary>Transactions carry UNDO groups so the journal can be rolled back.</summary>
    Reversible = 1,

    All = Reversible,
}
