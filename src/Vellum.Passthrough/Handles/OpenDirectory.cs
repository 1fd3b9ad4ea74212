using Vellum.Native;
using Vellum.Passthrough.Inodes;

namespace Vellum.Passthrough.Handles;

/// <summary>
/// An open backing directory and its getdents64 cursor: the bytes read ahead, the position
/// of the next unread entry in them and the cookie of that entry. The kernel may issue
/// readdirs on one handle concurrently, so the cursor is used under <see cref="CursorLock"/>.
/// The lease on the node keeps its descriptor open as long as the directory is.
/// </summary>
internal sealed class OpenDirectory(NodeLease node, int fd)
{
    public const int BufferSize = 32 * 1024;

    public NodeLease NodeLease { get; } = node;

    public int Fd { get; } = fd;

    public Lock CursorLock { get; } = new();

    public byte[] Buffer { get; } = new byte[BufferSize];

    public int Position { get; set; }

    public int End { get; set; }

    /// <summary>The cookie a readdir passes to continue at the next unread entry.</summary>
    public long Offset { get; set; }

    /// <summary>Closes the descriptor and ends the node lease; the close's errno is the result.</summary>
    public Errno Close()
    {
        var error = LibC.Close(Fd) == 0 ? Errno.Success : LibC.LastError();
        NodeLease.Dispose();
        return error;
    }
}
