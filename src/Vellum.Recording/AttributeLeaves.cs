using Vellum.Fifo;
using Vellum.Journal.Format;
using Vellum.Passthrough;

namespace Vellum.Recording;

/// <summary>ATTR groups from a setattr request or from a node's attributes.</summary>
internal static class AttributeLeaves
{
    /// <summary>An ATTR group with the fields a setattr sets; times set to "now" come in the RESULT.</summary>
    public static void WriteRequested(TransactionWriter writer, in SetAttrRequest request)
    {
        writer.Push(SubRecordType.Attr);
        if (request.Has(SetAttrFields.Mode))
            writer.WriteLeaf(SubRecordType.Mode, request.Mode);
        if (request.Has(SetAttrFields.Uid))
            writer.WriteLeaf(SubRecordType.Uid, request.Uid);
        if (request.Has(SetAttrFields.Gid))
            writer.WriteLeaf(SubRecordType.Gid, request.Gid);
        if (request.Has(SetAttrFields.Size))
            writer.WriteLeaf(SubRecordType.Size, request.Size);
        if (request.Has(SetAttrFields.Atime) && !request.Has(SetAttrFields.AtimeNow))
            writer.WriteLeaf(SubRecordType.Atime, Of(request.Atime));
        if (request.Has(SetAttrFields.Mtime) && !request.Has(SetAttrFields.MtimeNow))
            writer.WriteLeaf(SubRecordType.Mtime, Of(request.Mtime));
        writer.Pop();
    }

    /// <summary>
    /// An ATTR group with everything a replica needs to make the node exact; CTIME, which
    /// no replica can set, only when <paramref name="withCtime"/>.
    /// </summary>
    public static void WriteNode(TransactionWriter writer, in NodeStat stat, bool withCtime = true)
    {
        writer.Push(SubRecordType.Attr);
        writer.WriteLeaf(SubRecordType.Mode, stat.Mode);
        writer.WriteLeaf(SubRecordType.Uid, stat.Uid);
        writer.WriteLeaf(SubRecordType.Gid, stat.Gid);
        writer.WriteLeaf(SubRecordType.Size, stat.Size);
        writer.WriteLeaf(SubRecordType.Atime, Of(stat.Atime));
        writer.WriteLeaf(SubRecordType.Mtime, Of(stat.Mtime));
        if (withCtime)
            writer.WriteLeaf(SubRecordType.Ctime, Of(stat.Ctime));
        if (stat.Rdev != 0)
            writer.WriteLeaf(SubRecordType.Rdev, (ulong)stat.Rdev);
        writer.Pop();
    }

    public static JournalTimestamp Of(Timestamp time) => new(time.Seconds, time.Nanoseconds);
}
