using Vellum.Native;

namespace Vellum.Fuse;

/// <summary>
/// A filesystem served over FUSE: one method per opcode. Each returns <see cref="Errno.Success"/> or the errno
/// (the one the backing syscall gave); no method should throw (an exception becomes EIO).
/// Names are the raw bytes the kernel sent (no terminator). Node ids are the filesystem's
/// choice, the root is 1; every entry returned (LOOKUP, MKNOD, MKDIR, SYMLINK, LINK, CREATE,
/// READDIRPLUS) counts one lookup, which FORGET gives back. Methods are called concurrently
/// from several reader threads.
/// </summary>
public interface IFuseFileSystem
{
    Errno Lookup(FuseContext context, ulong parent, ReadOnlySpan<byte> name, out FuseEntry entry);

    /// <summary>What to call <paramref name="node"/> in a log line (its path, when known).</summary>
    string Describe(ulong node) => $"node {node}";

    /// <summary>FORGET and BATCH_FORGET: drop <paramref name="lookups"/> lookups of the node. No reply.</summary>
    void Forget(ulong node, ulong lookups);

    /// <summary><paramref name="handle"/> is set when the kernel asks about an open file (fstat).</summary>
    Errno GetAttr(FuseContext context, ulong node, ulong? handle, out FuseAttr attr);

    Errno SetAttr(FuseContext context, ulong node, in FuseSetAttr changes, out FuseAttr attr);

    /// <summary>Fills <paramref name="target"/> (PATH_MAX bytes) and sets <paramref name="length"/>.</summary>
    Errno ReadLink(FuseContext context, ulong node, Span<byte> target, out int length);

    Errno Symlink(FuseContext context, ulong parent, ReadOnlySpan<byte> name, ReadOnlySpan<byte> target, out FuseEntry entry);

    Errno MkNod(FuseContext context, ulong parent, ReadOnlySpan<byte> name, uint mode, uint rdev, out FuseEntry entry);

    Errno MkDir(FuseContext context, ulong parent, ReadOnlySpan<byte> name, uint mode, out FuseEntry entry);

    Errno Unlink(FuseContext context, ulong parent, ReadOnlySpan<byte> name);

    Errno RmDir(FuseContext context, ulong parent, ReadOnlySpan<byte> name);

    /// <summary>RENAME (flags 0) and RENAME2 (<c>RENAME_NOREPLACE</c> 1, <c>RENAME_EXCHANGE</c> 2, <c>RENAME_WHITEOUT</c> 4).</summary>
    Errno Rename(FuseContext context, ulong parent, ReadOnlySpan<byte> name, ulong newParent, ReadOnlySpan<byte> newName, uint flags);

    Errno Link(FuseContext context, ulong node, ulong newParent, ReadOnlySpan<byte> newName, out FuseEntry entry);

    /// <summary><paramref name="flags"/> are the open(2) flags. The reply may ask for passthrough (see <see cref="FuseOpenReply"/>).</summary>
    Errno Open(FuseContext context, ulong node, int flags, out FuseOpenReply reply);

    Errno Create(FuseContext context, ulong parent, ReadOnlySpan<byte> name, uint mode, int flags, out FuseEntry entry, out FuseOpenReply reply);

    /// <summary>Fills <paramref name="buffer"/> (the reply's own memory, at most the size asked) and sets <paramref name="bytesRead"/>.</summary>
    Errno Read(FuseContext context, ulong node, ulong handle, long offset, Span<byte> buffer, out int bytesRead);

    /// <summary><paramref name="data"/> is the request's own memory, valid only during the call.</summary>
    Errno Write(FuseContext context, ulong node, ulong handle, long offset, ReadOnlySpan<byte> data, int flags, out int bytesWritten);

    Errno Flush(FuseContext context, ulong node, ulong handle, ulong lockOwner);

    /// <summary>The last close of an open file; close its passthrough backing id here if it has one.</summary>
    Errno Release(FuseContext context, ulong node, ulong handle, int flags);

    Errno Fsync(FuseContext context, ulong node, ulong handle, bool dataOnly);

    Errno OpenDir(FuseContext context, ulong node, int flags, out FuseOpenReply reply);

    /// <summary>READDIR and READDIRPLUS (<see cref="FuseDirectoryWriter.IsPlus"/>) from the cookie <paramref name="offset"/> (0 = start).</summary>
    Errno ReadDir(FuseContext context, ulong node, ulong handle, long offset, ref FuseDirectoryWriter entries);

    Errno ReleaseDir(FuseContext context, ulong node, ulong handle);

    Errno FsyncDir(FuseContext context, ulong node, ulong handle, bool dataOnly);

    Errno StatFs(FuseContext context, ulong node, out FuseStatFs statFs);

    /// <summary><paramref name="flags"/> are setxattr(2)'s XATTR_CREATE / XATTR_REPLACE.</summary>
    Errno SetXattr(FuseContext context, ulong node, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int flags);

    /// <summary>
    /// With an empty <paramref name="value"/> sets <paramref name="size"/> to the size needed;
    /// otherwise fills it (ERANGE when too small) and sets the size written.
    /// </summary>
    Errno GetXattr(FuseContext context, ulong node, ReadOnlySpan<byte> name, Span<byte> value, out int size);

    /// <summary>Names each followed by a NUL; the empty-buffer convention of <see cref="GetXattr"/>.</summary>
    Errno ListXattr(FuseContext context, ulong node, Span<byte> names, out int size);

    Errno RemoveXattr(FuseContext context, ulong node, ReadOnlySpan<byte> name);

    /// <summary>access(2) mask. With default_permissions the kernel checks permissions itself and rarely asks.</summary>
    Errno Access(FuseContext context, ulong node, int mask);

    Errno Fallocate(FuseContext context, ulong node, ulong handle, long offset, long length, int mode);

    Errno Lseek(FuseContext context, ulong node, ulong handle, long offset, int whence, out long result);

    Errno CopyFileRange(FuseContext context, ulong nodeIn, ulong handleIn, long offsetIn, ulong nodeOut, ulong handleOut, long offsetOut, long length, ulong flags, out long copied);

    /// <summary>The kernel ends the session (DESTROY); called at most once.</summary>
    void Destroy();
}
