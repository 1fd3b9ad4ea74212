using System.Text;
using Vellum.Native;
using Vellum.Passthrough.Interop;

namespace Vellum.Passthrough;

/// <summary>Names nodes for log lines.</summary>
public sealed unsafe partial class PassthroughFileSystem
{
    /// <summary>
    /// The backing path the kernel knows for <paramref name="node"/>'s descriptor (absolute),
    /// or "node N" when there is none to read (forgotten, or longer than a page).
    /// </summary>
    public string Describe(ulong node)
    {
        using var n = _nodes.Acquire(node);
        if (!n.IsValid)
        {
            return $"node {node}";
        }
        Span<byte> link = stackalloc byte[ProcFdPath.BufferSize];
        ProcFdPath.Format(n.Fd, link);
        var target = new byte[4096];
        nint length;
        fixed (byte* l = link)
        fixed (byte* t = target)
        {
            length = LibC.ReadLink(l, t, (nuint)target.Length);
        }
        return length > 0 ? Encoding.UTF8.GetString(target, 0, (int)length) : $"node {node}";
    }
}
