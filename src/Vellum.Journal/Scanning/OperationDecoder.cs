using System.Buffers.Binary;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;

namespace Vellum.Journal.Scanning;

/// <summary>
/// Turns checked sub-records into the typed operation model: one node object per open nested
/// record, filled as its children complete. Placement and sizes were checked by the parser, so
/// every leaf and group arriving here belongs where it lands.
/// </summary>
internal static class OperationDecoder
{
    public static object CreateNode(SubRecordType type) => type switch
    {
        SubRecordType.Cred => new Credentials(),
        SubRecordType.Redo or SubRecordType.Undo => new OperationState(),
        SubRecordType.Attr => new NodeAttributes(),
        SubRecordType.Result => new OperationResult(),
        SubRecordType.Xattr => new XattrParts(),
        _ => new JournalOperation { Kind = type },
    };

    public static bool IsTimestamp(SubRecordType type) =>
        type is SubRecordType.Time or SubRecordType.Atime or SubRecordType.Mtime or SubRecordType.Ctime
            or SubRecordType.DirMtime or SubRecordType.Dir2Mtime;

    /// <summary>Stores a fixed-size leaf (timestamp, u32 or u64) in its parent's node.</summary>
    public static void ApplyFixed(object parent, SubRecordType type, ReadOnlySpan<byte> data)
    {
        switch (parent)
        {
            case JournalOperation operation:
                if (type == SubRecordType.Time)
                    operation.Time = JournalTimestamp.Parse(data);
                else if (type == SubRecordType.Inode)
                    operation.Inode = U64(data);
                else
                    operation.Generation = U64(data);
                break;
            case Credentials credentials:
                if (type == SubRecordType.Uid)
                    credentials.Uid = U32(data);
                else if (type == SubRecordType.Gid)
                    credentials.Gid = U32(data);
                else
                    credentials.Pid = U32(data);
                break;
            case OperationState state:
                if (type == SubRecordType.Offset)
                    state.Offset = U64(data);
                else if (type == SubRecordType.Length)
                    state.Length = U64(data);
                else
                    state.Flags = U32(data);
                break;
            case NodeAttributes attributes:
                ApplyAttribute(attributes, type, data);
                break;
            case OperationResult result:
                if (type == SubRecordType.Inode)
                    result.Inode = U64(data);
                else if (type == SubRecordType.DirMtime)
                    result.DirMtime = JournalTimestamp.Parse(data);
                else
                    result.Dir2Mtime = JournalTimestamp.Parse(data);
                break;
        }
    }

    /// <summary>Stores a variable-length leaf in its parent's node.</summary>
    public static void ApplyBytes(object parent, SubRecordType type, byte[] data)
    {
        switch (parent)
        {
            case JournalOperation operation:
                if (type == SubRecordType.Path)
                    operation.Path = data;
                else
                    operation.Path2 = data;
                break;
            case Credentials credentials:
                credentials.Command = data;
                break;
            case OperationState state:
                if (type == SubRecordType.Target)
                    state.Target = data;
                else if (type == SubRecordType.Label)
                    state.Label = data;
                else
                    state.Data = data;
                break;
            case XattrParts xattr:
                if (type == SubRecordType.XattrName)
                    xattr.Name = data;
                else
                    xattr.Value = data;
                break;
        }
    }

    /// <summary>Stores a completed group's node in its parent's node.</summary>
    public static void ApplyGroup(object parent, SubRecordType type, object group)
    {
        switch (parent)
        {
            case JournalOperation operation:
                if (type == SubRecordType.Cred)
                    operation.Credentials = (Credentials)group;
                else if (type == SubRecordType.Redo)
                    operation.Redo = (OperationState)group;
                else if (type == SubRecordType.Undo)
                    operation.Undo = (OperationState)group;
                else
                    operation.Result = (OperationResult)group;
                break;
            case OperationResult result:
                result.Attributes = (NodeAttributes)group;
                break;
            case OperationState state:
                if (type == SubRecordType.Attr)
                    state.Attributes = (NodeAttributes)group;
                else
                    state.Xattrs.Add(((XattrParts)group).ToAttribute());
                break;
        }
    }

    private static void ApplyAttribute(NodeAttributes attributes, SubRecordType type, ReadOnlySpan<byte> data)
    {
        switch (type)
        {
            case SubRecordType.Mode:
                attributes.Mode = U32(data);
                break;
            case SubRecordType.Uid:
                attributes.Uid = U32(data);
                break;
            case SubRecordType.Gid:
                attributes.Gid = U32(data);
                break;
            case SubRecordType.Size:
                attributes.Size = U64(data);
                break;
            case SubRecordType.Atime:
                attributes.Atime = JournalTimestamp.Parse(data);
                break;
            case SubRecordType.Mtime:
                attributes.Mtime = JournalTimestamp.Parse(data);
                break;
            case SubRecordType.Ctime:
                attributes.Ctime = JournalTimestamp.Parse(data);
                break;
            default:
                attributes.Rdev = U64(data);
                break;
        }
    }

    private static uint U32(ReadOnlySpan<byte> data) => BinaryPrimitives.ReadUInt32LittleEndian(data);

    private static ulong U64(ReadOnlySpan<byte> data) => BinaryPrimitives.ReadUInt64LittleEndian(data);

    /// <summary>An XATTR group while its children arrive; the schema guarantees the name.</summary>
    private sealed class XattrParts
    {
        public byte[]? Name { get; set; }

        public byte[]? Value { get; set; }

        public ExtendedAttribute ToAttribute() => new(Name!, Value);
    }
}
