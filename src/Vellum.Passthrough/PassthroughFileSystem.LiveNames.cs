using Vellum.Native;

namespace Vellum.Passthrough;

public sealed partial class PassthroughFileSystem : ILiveNames
{
    public bool TryLiveName(ulong node, LiveNameVisitor visit)
    {
        using var n = _nodes.Acquire(node);
        if (!n.IsValid)
        {
            return false;
        }
        foreach (var (parentId, name) in _nodes.AliasesOf(n.Node))
        {
            using var parent = _nodes.Acquire(parentId);
            if (parent.IsValid
                && BackingInspection.StatAt(parent.Fd, name, out var stat) == Errno.Success
                && stat.Ino == n.Node.Ino && stat.Dev == n.Node.Dev
                && visit(parent.Fd, name))
            {
                return true;
            }
        }
        return false;
    }
}
