using Vellum.Native;
using Vellum.Passthrough.Inodes;

namespace Vellum.Passthrough.Handles;

/// <summary>
/// An open backing file: a real descriptor (not O_PATH) and a lease on the node it belongs
/// to, so the node's descriptor stays open as long as the file does.
/// </summary>
internal sealed class OpenFile(NodeLease node, int fd, int flags)
{
    public NodeLease NodeLease { get; } = node;

    public Node Node => NodeLease.Node;

    public int NodeFd => NodeLease.Fd;

    /// <summary>
    /// A plain int, not a SafeHandle: every READ and WRITE uses it, and <see cref="Close"/>
    /// must return close(2)'s errno as RELEASE's answer, which a SafeHandle would swallow.
    /// </summary>
    public int Fd { get; } = fd;

    public int Flags { get; } = flags;

    public bool IsReadOnly => (Flags & LibCConstants.OAccessMode) == LibCConstants.ORdOnly;

    /// <summary>Closes the descriptor and ends the node lease; the close's errno is the result.</summary>
    public Errno Close()
    {
        var error = LibC.Close(Fd) == 0 ? Errno.Success : LibC.LastError();
        NodeLease.Dispose();
        return error;
    }
}
