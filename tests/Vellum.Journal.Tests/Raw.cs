using System.Buffers.Binary;
using Vellum.Journal.Format;

namespace Vellum.Journal.Tests;

/// <summary>Hand-made sub-record bytes, for breaking one rule at a time.</summary>
internal static class Raw
{
    public static byte[] Leaf(SubRecordType type, ReadOnlySpan<byte> data, ushort flags = 0, ushort reserved = 0, uint? size = null, byte padding = 0)
    {
        var bytes = new byte[JournalFormat.AlignSubRecord(JournalFormat.SubRecordHeaderSize + data.Length)];
        new SubRecordHeader((ushort)((ushort)type | flags), reserved, size ?? (uint)(JournalFormat.SubRecordHeaderSize + data.Length)).Format(bytes);
        data.CopyTo(bytes.AsSpan(JournalFormat.SubRecordHeaderSize));
        bytes.AsSpan(JournalFormat.SubRecordHeaderSize + data.Length).Fill(padding);
        return bytes;
    }

    public static byte[] U32(SubRecordType type, uint value)
    {
        var data = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(data, value);
        return Leaf(type, data);
    }

    public static byte[] U64(SubRecordType type, ulong value)
    {
        var data = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(data, value);
        return Leaf(type, data);
    }

    public static byte[] Time(SubRecordType type = SubRecordType.Time, long seconds = 1_700_000_000, uint nanoseconds = 5)
    {
        var data = new byte[JournalTimestamp.Size];
        new JournalTimestamp(seconds, nanoseconds).Format(data);
        return Leaf(type, data);
    }

    /// <summary>A nested record of exact size whose final child gets LAST.</summary>
    public static byte[] Group(SubRecordType type, params byte[][] children) =>
        Nested((ushort)((ushort)type | SubRecordFlags.Nested), null, MarkLast(children));

    /// <summary>The unknown-size form (size 0), ended by its final child's LAST.</summary>
    public static byte[] UnknownGroup(SubRecordType type, params byte[][] children) =>
        Nested((ushort)((ushort)type | SubRecordFlags.Nested), JournalFormat.UnknownSubRecordSize, MarkLast(children));

    /// <summary>A nested record exactly as given: no LAST added, size computed unless given.</summary>
    public static byte[] Nested(ushort typeField, uint? size, params byte[][] children)
    {
        var body = Concat(children);
        var bytes = new byte[JournalFormat.SubRecordHeaderSize + body.Length];
        new SubRecordHeader(typeField, 0, size ?? (uint)bytes.Length).Format(bytes);
        body.CopyTo(bytes, JournalFormat.SubRecordHeaderSize);
        return bytes;
    }

    public static byte[] WithLast(byte[] subRecord)
    {
        var copy = (byte[])subRecord.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(copy, (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(copy) | SubRecordFlags.Last));
        return copy;
    }

    public static byte[] Cred(uint uid = 1000, uint gid = 1000, uint pid = 42) =>
        Group(SubRecordType.Cred, U32(SubRecordType.Uid, uid), U32(SubRecordType.Gid, gid), U32(SubRecordType.Pid, pid));

    /// <summary>A valid operation: TIME, CRED, then the given children.</summary>
    public static byte[] Operation(SubRecordType kind, params byte[][] children) => Group(kind, [Time(), Cred(), .. children]);

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(part => part)];

    private static byte[][] MarkLast(byte[][] children) => children.Length == 0 ? children : [.. children[..^1], WithLast(children[^1])];
}
