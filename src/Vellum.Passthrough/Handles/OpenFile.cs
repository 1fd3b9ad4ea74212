using Vellum.Passthrough.Inodes;
using Vellum.Passthrough.Interop;

namespace Vellum.Passthrough.Handles;

/// <summary>An open backing file: a real descriptor (not O_PATH) and the node it belongs to.</summary>
internal sealed class OpenFile(Node node, int fd, int flags)
{
    public Node Node { get; } = node;

    public int Fd { get; } = fd;

    public int Flags { get; } = flags;

    public bool IsReadOnly => (Flags & LibCConstants.OAccessMode) == LibCConstants.ORdOnly;
}
