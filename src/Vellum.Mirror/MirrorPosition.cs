using System.Buffers.Binary;

namespace Vellum.Mirror;

/// <summary>
/// How far a replica is: the journal it mirrors and the id up to which every transaction of
/// it has been applied (or was aborted). Persisted as the value of the xattr
/// <see cref="XattrName"/> on the replica's root, byte-exact in docs/mirror.md.
/// </summary>
public readonly record struct MirrorPosition(Guid JournalId, ulong TransactionId)
{
    public const string XattrName = "user.vellum.mirror";

    /// <summary>16 bytes of journal UUID, then the u64 transaction id. A new layout would need a new length or name.</summary>
    public const int Size = 24;

    public void Format(Span<byte> destination)
    {
        if (!JournalId.TryWriteBytes(destination[..16]))
            throw new ArgumentException($"a mirror position needs {Size} bytes", nameof(destination));
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..Size], TransactionId);
    }

    /// <exception cref="FormatException">Not exactly <see cref="Size"/> bytes.</exception>
    public static MirrorPosition Parse(ReadOnlySpan<byte> source)
    {
        if (source.Length != Size)
            throw new FormatException($"a mirror position is {Size} bytes, this one {source.Length}");
        return new MirrorPosition(new Guid(source[..16]), BinaryPrimitives.ReadUInt64LittleEndian(source[16..]));
    }
}
