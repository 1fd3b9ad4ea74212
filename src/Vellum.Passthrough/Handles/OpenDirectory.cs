using Vellum.Passthrough.Inodes;

namespace Vellum.Passthrough.Handles;

/// <summary>
/// An open backing directory and its getdents64 cursor: the bytes read ahead, the position
/// of the next unread entry in them and the cookie of that entry. The kernel may issue
/// readdirs on one handle concurrently, so the cursor is used under <see cref="CursorLock"/>.
/// </summary>
internal sealed class OpenDirectory(Node node, int fd)
{
    public const int BufferSize = 32 * 1024;

    public Node Node { get; } = node;

    public int Fd { get; } = fd;

    public Lock CursorLock { get; } = new();

    public byte[] Buffer { get; } = new byte[BufferSize];

    public int Position { get; set; }

    public int End { get; set; }

    /// <summary>The cookie a readdir passes to continue at the next unread entry.</summary>
    public long Offset { get; set; }
}
