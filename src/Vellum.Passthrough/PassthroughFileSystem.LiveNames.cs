using Vellum.Passthrough.Interop;

namespace Vellum.Passthrough;

public sealed unsafe partial class PassthroughFileSystem : ILiveNames
{
    public bool TryLiveName(ulong node, Span<byte> buffer, out int length)
    {
        length = 0;
        using var n = _nodes.Acquire(node);
        if (!n.IsValid)
        {
            return false;
        }
        foreach (var (parentId, name) in _nodes.AliasesOf(n.Node))
        {
            using var parent = _nodes.Acquire(parentId);
            if (!parent.IsValid
                || BackingInspection.StatAt(parent.Fd, name, out var stat) != Errno.Success
                || stat.Ino != n.Node.Ino || stat.Dev != n.Node.Dev
                || BackingInspection.PathOf(parent.Fd, buffer, out var parentLength) != Errno.Success
                || parentLength + 1 + name.Length > buffer.Length)
            {
                continue;
            }
            buffer[parentLength] = (byte)'/';
            name.CopyTo(buffer[(parentLength + 1)..]);
            length = parentLength + 1 + name.Length;
            return true;
        }
        return false;
    }
}
