using System.Buffers.Binary;
using System.Text;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;
using Vellum.Journal.Scanning;
using Vellum.Mirror;
using Vellum.Native;
using Vellum.Passthrough;
using Vellum.Store;

namespace Vellum.Recording;

/// <summary>
/// Settles the changes a killed mount had in flight: transactions whose operation was
/// published (write-ahead) but that never got their RESULT. The application was never
/// answered, so either outcome is allowed; what is not allowed is the journal and the
/// backing directory disagreeing. For each one:
/// <list type="bullet">
/// <item>operation not fully written: the syscall never ran; ABORTED.</item>
/// <item>create, mkdir, mknod, symlink: the name exists, so it ran: END with its RESULT; else ABORTED.</item>
/// <item>link, rename, unlink, rmdir: INODE (noted before the syscall) is, or is no longer, under the name: END or ABORTED.</item>
/// <item>write, truncate, setattr, xattrs, fallocate: redone on the backing directory (they are idempotent; a kill may have left a write half done), then END.</item>
/// </list>
/// </summary>
internal static class UnfinishedChangeRecovery
{
    public static IReadOnlyList<SettledChange> Settle(SegmentStore store, string backing)
    {
        var settled = new List<SettledChange>();
        foreach (var open in store.OpenTransactions)
        {
            var operation = ReadIntent(store, open);
            var outcome = operation is null ? SettledOutcome.NeverRan : Decide(operation, open, backing);
            var record = outcome is SettledOutcome.TookEffect or SettledOutcome.Redone
                ? EndRecord(open, ResultOf(operation!, backing), WhiteoutOf(operation!, backing))
                : AbortRecord(open);
            store.Append(record);
            settled.Add(new SettledChange(open.TransactionId, operation?.Kind, outcome));
        }
        if (settled.Count > 0)
            store.WaitDurable(store.WrittenPosition);
        return settled;
    }

    /// <summary>The transaction's operation as published before its syscall, or null when it was not complete.</summary>
    private static JournalOperation? ReadIntent(SegmentStore store, OpenTransaction open)
    {
        using var journal = new MemoryStream();
        journal.Write(RecordCodec.SyncPoint(store.Header));
        foreach (var record in StoreRecords.From(store, store.ReadStartFor(open.TransactionId)))
        {
            if (record.Header.TransactionId == open.TransactionId && record.Header.Id == open.StreamId)
                journal.Write(record.Bytes);
        }
        // Close the operation with a PAD leaf marked LAST: a complete intent then reads as a
        // whole operation; an intent cut short does not parse.
        Span<byte> closing = stackalloc byte[JournalFormat.SubRecordHeaderSize];
        new SubRecordHeader((ushort)((ushort)SubRecordType.Pad | SubRecordFlags.Last), 0, JournalFormat.SubRecordHeaderSize).Format(closing);
        var end = new byte[RecordCodec.AlignedSizeFor(closing.Length)];
        RecordCodec.Write(end, (ushort)(open.StreamId | StreamId.End), open.TransactionId, closing);
        journal.Write(end);
        var scan = JournalScanner.ReadAll(journal.GetBuffer().AsSpan(0, (int)journal.Length));
        return scan.Entries.OfType<TransactionEntry>().FirstOrDefault(t => t.TransactionId == open.TransactionId) is { Operations: [var operation] }
            ? operation
            : null;
    }

    private static SettledOutcome Decide(JournalOperation operation, OpenTransaction open, string backing)
    {
        var path = operation.Path is { } first && IsBeneath(first) ? first : null;
        var path2 = operation.Path2 is { } second && IsBeneath(second) ? second : null;
        switch (operation.Kind)
        {
            case SubRecordType.Create:
            case SubRecordType.Mkdir:
            case SubRecordType.Mknod:
            case SubRecordType.Symlink:
                return path is not null && Exists(backing, path, out _) ? SettledOutcome.TookEffect : SettledOutcome.DidNotRun;
            case SubRecordType.Link:
                return path2 is not null && Exists(backing, path2, out var linked) && linked == operation.Inode ? SettledOutcome.TookEffect : SettledOutcome.DidNotRun;
            case SubRecordType.Rename:
                if (operation.Inode is { } moved)
                    return path2 is not null && Exists(backing, path2, out var now) && now == moved ? SettledOutcome.TookEffect : SettledOutcome.DidNotRun;
                return path is not null && !Exists(backing, path, out _) ? SettledOutcome.TookEffect : SettledOutcome.DidNotRun;
            case SubRecordType.Unlink:
            case SubRecordType.Rmdir:
                if (path is null)
                    return SettledOutcome.DidNotRun;
                return !Exists(backing, path, out var still) || (operation.Inode is { } removed && still != removed) ? SettledOutcome.TookEffect : SettledOutcome.DidNotRun;
            default:
                if (operation.Path is null)
                    return SettledOutcome.TookEffect;
                using (var applier = new JournalApplier(backing))
                    applier.Apply(new TransactionEntry(0, open.TransactionId, open.StreamId, 0, [operation]));
                return SettledOutcome.Redone;
        }
    }

    /// <summary>The RESULT of a change that took effect, read back from the backing directory.</summary>
    private static OperationResult ResultOf(JournalOperation operation, string backing)
    {
        var result = new OperationResult();
        var nodePath = operation.Kind is SubRecordType.Rename or SubRecordType.Link ? operation.Path2 : operation.Path;
        if (operation.Kind is not (SubRecordType.Unlink or SubRecordType.Rmdir) && nodePath is not null && IsBeneath(nodePath)
            && StatBeneath(backing, nodePath, out var node) == Errno.Success)
        {
            result.Inode = node.Ino;
            result.Attributes = new NodeAttributes
            {
                Mode = node.Mode,
                Uid = node.Uid,
                Gid = node.Gid,
                Size = node.Size,
                Atime = AttributeLeaves.Of(node.Atime),
                Mtime = AttributeLeaves.Of(node.Mtime),
                Ctime = AttributeLeaves.Of(node.Ctime),
                Rdev = node.Rdev == 0 ? null : node.Rdev,
            };
        }
        if (operation.Kind is SubRecordType.Create or SubRecordType.Mkdir or SubRecordType.Mknod or SubRecordType.Symlink
            or SubRecordType.Unlink or SubRecordType.Rmdir or SubRecordType.Rename)
            result.DirMtime = DirectoryTime(backing, operation.Path);
        if (operation.Kind is SubRecordType.Rename or SubRecordType.Link)
            result.Dir2Mtime = DirectoryTime(backing, operation.Path2);
        return result;
    }

    /// <summary>The mknod of the whiteout a RENAME_WHITEOUT left, as the recorder writes it after the rename (see <see cref="Whiteouts"/>).</summary>
    private static JournalOperation? WhiteoutOf(JournalOperation rename, string backing)
    {
        const uint renameWhiteout = (uint)RenameFlags.Whiteout;
        if (rename.Kind != SubRecordType.Rename || ((rename.Redo?.Flags ?? 0) & renameWhiteout) == 0 || rename.Path is null
            || !IsBeneath(rename.Path) || StatBeneath(backing, rename.Path, out var whiteout) != Errno.Success
            || (whiteout.Mode & 0xF000) != 0x2000 || whiteout.Rdev != 0)
            return null;
        return new JournalOperation
        {
            Kind = SubRecordType.Mknod,
            Time = JournalTimestamp.Now(),
            Credentials = rename.Credentials,
            Path = rename.Path,
            Redo = new OperationState { Attributes = new NodeAttributes { Mode = whiteout.Mode, Uid = whiteout.Uid, Gid = whiteout.Gid } },
            Result = new OperationResult
            {
                Inode = whiteout.Ino,
                Attributes = new NodeAttributes
                {
                    Mode = whiteout.Mode,
                    Uid = whiteout.Uid,
                    Gid = whiteout.Gid,
                    Size = whiteout.Size,
                    Atime = AttributeLeaves.Of(whiteout.Atime),
                    Mtime = AttributeLeaves.Of(whiteout.Mtime),
                    Ctime = AttributeLeaves.Of(whiteout.Ctime),
                },
                DirMtime = DirectoryTime(backing, rename.Path),
            },
        };
    }

    private static JournalTimestamp? DirectoryTime(string backing, byte[]? path)
    {
        if (path is null)
            return null;
        var slash = Array.LastIndexOf(path, (byte)'/');
        NodeStat stat = default;
        var found = slash < 0
            ? BackingInspection.StatPath(Encoding.UTF8.GetBytes(backing), out stat)
            : IsBeneath(path.AsSpan(0, slash)) ? StatBeneath(backing, path.AsSpan(0, slash), out stat) : Errno.EINVAL;
        return found == Errno.Success ? AttributeLeaves.Of(stat.Mtime) : null;
    }

    /// <summary>
    /// The END record that closes the operation with its RESULT (the operation's last child,
    /// so LAST), followed by <paramref name="following"/>, an operation of the same transaction.
    /// </summary>
    private static byte[] EndRecord(OpenTransaction open, OperationResult result, JournalOperation? following)
    {
        var scratch = new SubRecordBuffer();
        OperationEncoder.EncodeResult(scratch, result);
        if (following is not null)
            OperationEncoder.Encode(scratch, following);
        var payload = scratch.ToArray();
        var typeField = BinaryPrimitives.ReadUInt16LittleEndian(payload);
        BinaryPrimitives.WriteUInt16LittleEndian(payload, (ushort)(typeField | SubRecordFlags.Last));
        var record = new byte[RecordCodec.AlignedSizeFor(payload.Length)];
        RecordCodec.Write(record, (ushort)(open.StreamId | StreamId.End), open.TransactionId, payload);
        return record;
    }

    private static byte[] AbortRecord(OpenTransaction open)
    {
        var record = new byte[RecordCodec.AlignedSizeFor(0)];
        RecordCodec.Write(record, (ushort)(open.StreamId | StreamId.End | StreamId.Aborted), open.TransactionId, []);
        return record;
    }

    /// <summary>Whether a journal path stays beneath the backing directory by its spelling: relative, no NUL, no empty, "." or ".." component.</summary>
    private static bool IsBeneath(ReadOnlySpan<byte> path)
    {
        if (path.IsEmpty || path[0] == (byte)'/' || path.IndexOf((byte)0) >= 0)
            return false;
        foreach (var component in path.Split((byte)'/'))
        {
            var name = path[component];
            if (name.IsEmpty || name.SequenceEqual(".."u8) || name.SequenceEqual("."u8))
                return false;
        }
        return true;
    }

    /// <summary>
    /// statx of a checked journal path, not following symlinks, one directory at a time from
    /// the backing root: a journal path may be longer than any path the kernel takes whole.
    /// </summary>
    private static Errno StatBeneath(string backing, ReadOnlySpan<byte> path, out NodeStat stat)
    {
        stat = default;
        var directory = BackingInspection.OpenDirectory(backing);
        if (directory < 0)
            return Errno.ENOENT;
        try
        {
            var slash = path.LastIndexOf((byte)'/');
            if (slash >= 0)
            {
                foreach (var component in path[..slash].Split((byte)'/'))
                {
                    var next = LibC.OpenDirectoryAt(directory, path[component], LibCConstants.OPath | LibCConstants.ONoFollow);
                    if (next < 0)
                        return Errno.ENOENT;
                    BackingInspection.Close(directory);
                    directory = next;
                }
            }
            return BackingInspection.StatAt(directory, path[(slash + 1)..], out stat);
        }
        finally
        {
            BackingInspection.Close(directory);
        }
    }

    private static bool Exists(string backing, byte[] path, out ulong inode)
    {
        var found = StatBeneath(backing, path, out var stat) == Errno.Success;
        inode = stat.Ino;
        return found;
    }
}

public enum SettledOutcome
{
    /// <summary>The operation was still being written to the ring: the syscall never ran.</summary>
    NeverRan,

    /// <summary>The backing directory shows the syscall did not run (or failed): ABORTED.</summary>
    DidNotRun,

    /// <summary>The backing directory shows the syscall ran: ended with its RESULT.</summary>
    TookEffect,

    /// <summary>Redone on the backing directory (idempotent), then ended.</summary>
    Redone,
}

public readonly record struct SettledChange(ulong TransactionId, SubRecordType? Operation, SettledOutcome Outcome);
