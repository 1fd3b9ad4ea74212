using Vellum.Native;

namespace Vellum.Passthrough;

/// <summary>
/// How a <see cref="Change"/> ended: the errno, and on success the node it created or
/// named (Create, Mkdir, Mknod, Symlink, Link) with its attributes, the node's attributes
/// after SetAttr, and the byte count of Write and CopyFileRange.
/// </summary>
public readonly record struct ChangeOutcome(Errno Result, ulong NodeId, NodeStat Attributes, long Count)
{
    public static ChangeOutcome Of(Errno result) => new(result, 0, default, 0);

    public static ChangeOutcome Of(Errno result, in NodeEntry entry) => new(result, entry.NodeId, entry.Attributes, 0);

    public static ChangeOutcome Of(Errno result, long count) => new(result, 0, default, count);
}
