using Vellum.Journal.Format;

namespace Vellum.Journal.Operations;

/// <summary>Writes a <see cref="JournalOperation"/> as its nested sub-record, children in the documented order.</summary>
public static class OperationEncoder
{
    public static void Encode(ISubRecordWriter writer, JournalOperation operation)
    {
        if (!SubRecordTypes.IsOperation(operation.Kind))
            throw new ArgumentException($"{operation.Kind} is not an operation type", nameof(operation));
        writer.Push(operation.Kind);
        writer.WriteLeaf(SubRecordType.Time, operation.Time);
        EncodeCredentials(writer, operation.Credentials);
        WriteBytes(writer, SubRecordType.Path, operation.Path);
        WriteBytes(writer, SubRecordType.Path2, operation.Path2);
        if (operation.Inode is { } inode)
            writer.WriteLeaf(SubRecordType.Inode, inode);
        if (operation.Generation is { } generation)
            writer.WriteLeaf(SubRecordType.Generation, generation);
        if (operation.Redo is { } redo)
            EncodeState(writer, SubRecordType.Redo, redo);
        if (operation.Undo is { } undo)
            EncodeState(writer, SubRecordType.Undo, undo);
        if (operation.Result is { } result)
            EncodeResult(writer, result);
        writer.Pop();
    }

    /// <summary>
    /// The exact payload bytes <see cref="Encode"/> writes when the transaction fits one
    /// record, so a writer can reserve just that and never give space back.
    /// </summary>
    public static long EncodedSize(JournalOperation operation)
    {
        var credentials = operation.Credentials;
        return Group + Leaf(JournalTimestamp.Size)
            + Group + 3 * Leaf(4) + Leaf(credentials.Command)
            + Leaf(operation.Path) + Leaf(operation.Path2)
            + (operation.Inode is null ? 0 : Leaf(8)) + (operation.Generation is null ? 0 : Leaf(8))
            + StateSize(operation.Redo) + StateSize(operation.Undo) + ResultSize(operation.Result);
    }

    private const int Group = JournalFormat.SubRecordHeaderSize;

    private static long Leaf(long dataLength) => JournalFormat.SubRecordHeaderSize + JournalFormat.AlignSubRecord(dataLength);

    private static long Leaf(byte[]? bytes) => bytes is null ? 0 : Leaf(bytes.Length);

    private static long StateSize(OperationState? state)
    {
        if (state is null)
            return 0;
        var children = AttributesSize(state.Attributes)
            + (state.Offset is null ? 0 : Leaf(8)) + (state.Length is null ? 0 : Leaf(8)) + (state.Flags is null ? 0 : Leaf(4))
            + Leaf(state.Target) + Leaf(state.Label)
            + (state.Data is { } data ? Leaf(data.Length) : 0);
        foreach (var xattr in state.Xattrs)
            children += Group + Leaf(xattr.Name) + Leaf(xattr.Value);
        return Group + (children == 0 ? Leaf(0) : children);
    }

    private static long ResultSize(OperationResult? result)
    {
        if (result is null)
            return 0;
        var children = (result.Inode is null ? 0 : Leaf(8)) + AttributesSize(result.Attributes)
            + (result.DirMtime is null ? 0 : Leaf(JournalTimestamp.Size)) + (result.Dir2Mtime is null ? 0 : Leaf(JournalTimestamp.Size));
        return Group + (children == 0 ? Leaf(0) : children);
    }

    private static long AttributesSize(NodeAttributes? attributes)
    {
        if (attributes is null)
            return 0;
        var children = (attributes.Mode is null ? 0 : Leaf(4)) + (attributes.Uid is null ? 0 : Leaf(4)) + (attributes.Gid is null ? 0 : Leaf(4))
            + (attributes.Size is null ? 0 : Leaf(8))
            + (attributes.Atime is null ? 0 : Leaf(JournalTimestamp.Size)) + (attributes.Mtime is null ? 0 : Leaf(JournalTimestamp.Size))
            + (attributes.Ctime is null ? 0 : Leaf(JournalTimestamp.Size)) + (attributes.Rdev is null ? 0 : Leaf(8));
        return Group + (children == 0 ? Leaf(0) : children);
    }

    private static void EncodeCredentials(ISubRecordWriter writer, Credentials credentials)
    {
        writer.Push(SubRecordType.Cred);
        writer.WriteLeaf(SubRecordType.Uid, credentials.Uid);
        writer.WriteLeaf(SubRecordType.Gid, credentials.Gid);
        writer.WriteLeaf(SubRecordType.Pid, credentials.Pid);
        WriteBytes(writer, SubRecordType.Comm, credentials.Command);
        writer.Pop();
    }

    private static void EncodeState(ISubRecordWriter writer, SubRecordType group, OperationState state)
    {
        writer.Push(group);
        if (state.Attributes is { } attributes)
            EncodeAttributes(writer, attributes);
        if (state.Offset is { } offset)
            writer.WriteLeaf(SubRecordType.Offset, offset);
        if (state.Length is { } length)
            writer.WriteLeaf(SubRecordType.Length, length);
        if (state.Flags is { } flags)
            writer.WriteLeaf(SubRecordType.Flags, flags);
        WriteBytes(writer, SubRecordType.Target, state.Target);
        WriteBytes(writer, SubRecordType.Label, state.Label);
        foreach (var xattr in state.Xattrs)
        {
            writer.Push(SubRecordType.Xattr);
            writer.WriteLeaf(SubRecordType.XattrName, xattr.Name);
            WriteBytes(writer, SubRecordType.XattrValue, xattr.Value);
            writer.Pop();
        }
        if (state.Data is { } data)
            writer.WriteLeaf(SubRecordType.Data, data.Span);
        writer.Pop();
    }

    /// <summary>Writes a RESULT group; a writer that ends an operation begun in an earlier record uses it alone.</summary>
    public static void EncodeResult(ISubRecordWriter writer, OperationResult result)
    {
        writer.Push(SubRecordType.Result);
        if (result.Inode is { } inode)
            writer.WriteLeaf(SubRecordType.Inode, inode);
        if (result.Attributes is { } attributes)
            EncodeAttributes(writer, attributes);
        if (result.DirMtime is { } dirMtime)
            writer.WriteLeaf(SubRecordType.DirMtime, dirMtime);
        if (result.Dir2Mtime is { } dir2Mtime)
            writer.WriteLeaf(SubRecordType.Dir2Mtime, dir2Mtime);
        writer.Pop();
    }

    private static void EncodeAttributes(ISubRecordWriter writer, NodeAttributes attributes)
    {
        writer.Push(SubRecordType.Attr);
        if (attributes.Mode is { } mode)
            writer.WriteLeaf(SubRecordType.Mode, mode);
        if (attributes.Uid is { } uid)
            writer.WriteLeaf(SubRecordType.Uid, uid);
        if (attributes.Gid is { } gid)
            writer.WriteLeaf(SubRecordType.Gid, gid);
        if (attributes.Size is { } size)
            writer.WriteLeaf(SubRecordType.Size, size);
        if (attributes.Atime is { } atime)
            writer.WriteLeaf(SubRecordType.Atime, atime);
        if (attributes.Mtime is { } mtime)
            writer.WriteLeaf(SubRecordType.Mtime, mtime);
        if (attributes.Ctime is { } ctime)
            writer.WriteLeaf(SubRecordType.Ctime, ctime);
        if (attributes.Rdev is { } rdev)
            writer.WriteLeaf(SubRecordType.Rdev, rdev);
        writer.Pop();
    }

    private static void WriteBytes(ISubRecordWriter writer, SubRecordType type, byte[]? bytes)
    {
        if (bytes is not null)
            writer.WriteLeaf(type, bytes);
    }
}
