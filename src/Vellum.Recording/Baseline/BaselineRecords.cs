using Vellum.Fifo;
using Vellum.Journal.Format;
using Vellum.Passthrough;

namespace Vellum.Recording.Baseline;

/// <summary>
/// Writes baseline operations (docs/journal-format.md 3.5) into an open transaction: TIME,
/// CRED of the daemon, PATH, PATH2, INODE, then REDO with ATTR, OFFSET, FLAGS, TARGET, the
/// XATTR groups and DATA, in the order the format fixes.
/// </summary>
internal static class BaselineRecords
{
    private static readonly uint DaemonPid = (uint)Environment.ProcessId;

    /// <summary>The bytes an operation takes besides its paths, target, xattrs and data: a size hint for a transaction.</summary>
    public const int Overhead = 256;

    public static void Write(TransactionWriter writer, in BaselineOperation operation)
    {
        writer.Push(SubRecordType.Baseline);
        writer.WriteLeaf(SubRecordType.Time, JournalTimestamp.Now());
        writer.Push(SubRecordType.Cred);
        writer.WriteLeaf(SubRecordType.Uid, 0u);
        writer.WriteLeaf(SubRecordType.Gid, 0u);
        writer.WriteLeaf(SubRecordType.Pid, DaemonPid);
        writer.WriteLeaf(SubRecordType.Comm, "vellum"u8);
        writer.Pop();
        if (!operation.Flags.HasFlag(BaselineFlags.Complete))
            writer.WriteLeaf(SubRecordType.Path, operation.Path);
        if (!operation.Path2.IsEmpty)
            writer.WriteLeaf(SubRecordType.Path2, operation.Path2);
        if (operation.Stat is { } inode)
            writer.WriteLeaf(SubRecordType.Inode, inode.Ino);
        writer.Push(SubRecordType.Redo);
        if (operation.Stat is { } stat)
            WriteAttr(writer, in stat, operation.Flags);
        if (operation.Flags.HasFlag(BaselineFlags.Data))
            writer.WriteLeaf(SubRecordType.Offset, (ulong)operation.Offset);
        writer.WriteLeaf(SubRecordType.Flags, (uint)operation.Flags);
        if (!operation.Target.IsEmpty)
            writer.WriteLeaf(SubRecordType.Target, operation.Target);
        if (operation.Xattrs is { } xattrs)
        {
            foreach (var (name, value) in xattrs)
            {
                writer.Push(SubRecordType.Xattr);
                writer.WriteLeaf(SubRecordType.XattrName, name);
                writer.WriteLeaf(SubRecordType.XattrValue, value);
                writer.Pop();
            }
        }
        if (operation.Flags.HasFlag(BaselineFlags.Data))
            PriorState.WriteDataLeaf(writer, operation.DataFd, operation.Offset, operation.Length);
        writer.Pop();
        writer.Pop();
    }

    /// <summary>The bytes <paramref name="operation"/> takes in a transaction, roughly: what a transaction's size hint adds up.</summary>
    public static long SizeOf(in BaselineOperation operation)
    {
        long size = Overhead + operation.Path.Length + operation.Path2.Length + operation.Target.Length;
        if (operation.Xattrs is { } xattrs)
        {
            foreach (var (name, value) in xattrs)
                size += 32 + name.Length + value.Length;
        }
        return operation.Flags.HasFlag(BaselineFlags.Data) ? size + operation.Length : size;
    }

    /// <summary>ATTR: the type and permissions always; owner and times with ATTRS; SIZE with RESET; RDEV for a device.</summary>
    private static void WriteAttr(TransactionWriter writer, in NodeStat stat, BaselineFlags flags)
    {
        writer.Push(SubRecordType.Attr);
        writer.WriteLeaf(SubRecordType.Mode, stat.Mode);
        if (flags.HasFlag(BaselineFlags.Attrs))
        {
            writer.WriteLeaf(SubRecordType.Uid, stat.Uid);
            writer.WriteLeaf(SubRecordType.Gid, stat.Gid);
        }
        if (flags.HasFlag(BaselineFlags.Reset))
            writer.WriteLeaf(SubRecordType.Size, stat.Size);
        if (flags.HasFlag(BaselineFlags.Attrs))
        {
            writer.WriteLeaf(SubRecordType.Atime, new JournalTimestamp(stat.Atime.Seconds, stat.Atime.Nanoseconds));
            writer.WriteLeaf(SubRecordType.Mtime, new JournalTimestamp(stat.Mtime.Seconds, stat.Mtime.Nanoseconds));
        }
        if ((stat.Mode & ManifestEntry.TypeMask) is 0x2000 or 0x6000)
            writer.WriteLeaf(SubRecordType.Rdev, (ulong)stat.Rdev);
        writer.Pop();
    }
}

/// <summary>
/// One baseline operation to write: <see cref="Stat"/> gives ATTR and INODE (none for
/// COMPLETE); DATA is <see cref="Length"/> bytes read from <see cref="DataFd"/> at <see cref="Offset"/>.
/// </summary>
internal readonly ref struct BaselineOperation
{
    public BaselineFlags Flags { get; init; }

    public ReadOnlySpan<byte> Path { get; init; }

    public ReadOnlySpan<byte> Path2 { get; init; }

    public NodeStat? Stat { get; init; }

    public ReadOnlySpan<byte> Target { get; init; }

    public List<(byte[] Name, byte[] Value)>? Xattrs { get; init; }

    public int DataFd { get; init; }

    public long Offset { get; init; }

    public long Length { get; init; }
}
