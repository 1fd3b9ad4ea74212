namespace Vellum.Passthrough;

/// <summary>
/// Offered a directory and a name in it that reach a node now; returns true to stop (the
/// name was used), false to be offered the next one.
/// </summary>
public delegate bool LiveNameVisitor(int directoryFd, ReadOnlySpan<byte> name);

/// <summary>
/// Finds a current name of a node that is not a directory, for a recorder that cannot ask
/// the kernel: a descriptor opened through a name since unlinked, or a path longer than
/// PATH_MAX.
/// </summary>
public interface ILiveNames
{
    /// <summary>
    /// Offers <paramref name="visit"/> each (directory, name) the node was reached by that
    /// still names it (checked by inode), newest first, the directory's descriptor held while
    /// it is offered; false when none was used.
    /// </summary>
    bool TryLiveName(ulong node, LiveNameVisitor visit);
}
