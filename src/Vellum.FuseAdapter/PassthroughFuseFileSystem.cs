using Vellum.Fuse;
using Vellum.Passthrough;
using Vellum.Native;
using static Vellum.FuseAdapter.FuseConversions;
using static Vellum.Native.LibCConstants;

namespace Vellum.FuseAdapter;

/// <summary>
/// Serves a <see cref="PassthroughFileSystem"/> over FUSE. How each open is served is decided
/// per inode (<see cref="InodeOpenModes"/>): read-only opens of a file nobody writes are
/// handed to the kernel as passthrough (reads at native speed, never through here); writes
/// always come here, so every byte passes the change seam. A writable open of a file that
/// already has passthrough opens must be passthrough too; its shared mappings then write the
/// backing file directly, and the passthrough layer journals what they changed
/// (<see cref="PassthroughFileSystem.WatchMappedWrites"/>).
/// </summary>
public sealed class PassthroughFuseFileSystem(PassthroughFileSystem backing, bool usePassthrough) : IFuseFileSystem
{
    private readonly InodeOpenModes _openModes = new();

    public Errno Lookup(FuseContext context, ulong parent, ReadOnlySpan<byte> name, out FuseEntry entry) =>
        Entry(backing.Lookup(parent, name, out var found), found, out entry);

    public void Forget(ulong node, ulong lookups) => backing.Forget(node, lookups);

    public string Describe(ulong node) => backing.Describe(node);

    public Errno GetAttr(FuseContext context, ulong node, ulong? handle, out FuseAttr attr) =>
        Attr(backing.GetAttr(node, out var stat), stat, out attr);

    public Errno SetAttr(FuseContext context, ulong node, in FuseSetAttr changes, out FuseAttr attr)
    {
        var request = ToPassthrough(changes);
        if (context.KillSuidGid)
        {
            var error = backing.GetAttr(node, out var current);
            if (error != Errno.Success)
                return Attr(error, current, out attr);
            if (IsRegularFile(current.Mode))
                request = request with
                {
                    Fields = request.Fields | SetAttrFields.Mode,
                    Mode = WithoutSetIds(context, request.Has(SetAttrFields.Mode) ? request.Mode : current.Mode, current.Gid),
                };
        }
        return Attr(backing.SetAttr(CallerOf(context), node, request, out var stat), stat, out attr);
    }

    public Errno ReadLink(FuseContext context, ulong node, Span<byte> target, out int length) =>
        backing.ReadLink(node, target, out length);

    public Errno Symlink(FuseContext context, ulong parent, ReadOnlySpan<byte> name, ReadOnlySpan<byte> target, out FuseEntry entry) =>
        Entry(backing.Symlink(CallerOf(context), parent, name, target, out var created), created, out entry);

    public Errno MkNod(FuseContext context, ulong parent, ReadOnlySpan<byte> name, uint mode, uint rdev, out FuseEntry entry) =>
        Entry(backing.Mknod(CallerOf(context), parent, name, mode, rdev, out var created), created, out entry);

    public Errno MkDir(FuseContext context, ulong parent, ReadOnlySpan<byte> name, uint mode, out FuseEntry entry) =>
        Entry(backing.Mkdir(CallerOf(context), parent, name, mode, out var created), created, out entry);

    public Errno Unlink(FuseContext context, ulong parent, ReadOnlySpan<byte> name) =>
        backing.Unlink(CallerOf(context), parent, name);

    public Errno RmDir(FuseContext context, ulong parent, ReadOnlySpan<byte> name) =>
        backing.Rmdir(CallerOf(context), parent, name);

    public Errno Rename(FuseContext context, ulong parent, ReadOnlySpan<byte> name, ulong newParent, ReadOnlySpan<byte> newName, uint flags) =>
        backing.Rename(CallerOf(context), parent, name, newParent, newName, (RenameFlags)flags);

    public Errno Link(FuseContext context, ulong node, ulong newParent, ReadOnlySpan<byte> newName, out FuseEntry entry) =>
        Entry(backing.Link(CallerOf(context), node, newParent, newName, out var linked), linked, out entry);

    public Errno Open(FuseContext context, ulong node, int flags, out FuseOpenReply reply)
    {
        reply = default;
        var error = backing.Open(CallerOf(context), node, flags, out var handle);
        if (error == Errno.Success && context.KillSuidGid)
            error = DropSetIds(context, node);
        return error == Errno.Success ? OpenReply(context, node, handle, flags, out reply) : error;
    }

    public Errno Create(FuseContext context, ulong parent, ReadOnlySpan<byte> name, uint mode, int flags, out FuseEntry entry, out FuseOpenReply reply)
    {
        reply = default;
        var error = backing.Create(CallerOf(context), parent, name, mode, flags, out var created, out var handle);
        if (error != Errno.Success)
        {
            entry = default;
            return error;
        }
        if (context.KillSuidGid && DropSetIds(context, created.NodeId) == Errno.Success && backing.GetAttr(created.NodeId, out var stat) == Errno.Success)
            created = created with { Attributes = stat };
        entry = ToFuse(created);
        return OpenReply(context, created.NodeId, handle, flags, out reply);
    }

    public Errno Read(FuseContext context, ulong node, ulong handle, long offset, Span<byte> buffer, out int bytesRead) =>
        backing.Read(handle, buffer, offset, out bytesRead);

    public Errno Write(FuseContext context, ulong node, ulong handle, long offset, ReadOnlySpan<byte> data, int flags, out int bytesWritten)
    {
        bytesWritten = 0;
        // As on a native filesystem, the set-id bits go before the bytes land.
        var error = context.KillSuidGid ? DropSetIds(context, node) : Errno.Success;
        return error == Errno.Success ? backing.Write(CallerOf(context), handle, data, offset, out bytesWritten) : error;
    }

    public Errno Flush(FuseContext context, ulong node, ulong handle, ulong lockOwner) => backing.Flush(handle);

    public Errno Release(FuseContext context, ulong node, ulong handle, int flags)
    {
        if (_openModes.Release(handle) is { } backingId)
            context.Session.CloseBacking(backingId);
        return backing.Release(handle);
    }

    public Errno Fsync(FuseContext context, ulong node, ulong handle, bool dataOnly) =>
        backing.Fsync(CallerOf(context), handle, dataOnly);

    public Errno OpenDir(FuseContext context, ulong node, int flags, out FuseOpenReply reply)
    {
        var error = backing.OpenDir(node, out var handle);
        reply = new FuseOpenReply { Handle = handle };
        return error;
    }

    public Errno ReadDir(FuseContext context, ulong node, ulong handle, long offset, ref FuseDirectoryWriter entries)
    {
        if (entries.IsPlus)
        {
            var plus = new FuseDirectoryPlusSink(entries);
            var plusError = backing.ReadDirPlus(handle, offset, ref plus);
            entries = plus.Writer;
            return plusError;
        }
        var sink = new FuseDirectorySink(entries);
        var error = backing.ReadDir(handle, offset, ref sink);
        entries = sink.Writer;
        return error;
    }

    public Errno ReleaseDir(FuseContext context, ulong node, ulong handle) => backing.ReleaseDir(handle);

    public Errno FsyncDir(FuseContext context, ulong node, ulong handle, bool dataOnly) =>
        backing.FsyncDir(CallerOf(context), handle, dataOnly);

    public Errno StatFs(FuseContext context, ulong node, out FuseStatFs statFs)
    {
        var error = backing.StatFs(node, out var stats);
        statFs = ToFuse(stats);
        return error;
    }

    public Errno SetXattr(FuseContext context, ulong node, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int flags) =>
        backing.SetXattr(CallerOf(context), node, name, value, flags);

    public Errno GetXattr(FuseContext context, ulong node, ReadOnlySpan<byte> name, Span<byte> value, out int size) =>
        backing.GetXattr(node, name, value, out size);

    public Errno ListXattr(FuseContext context, ulong node, Span<byte> names, out int size) =>
        backing.ListXattr(node, names, out size);

    public Errno RemoveXattr(FuseContext context, ulong node, ReadOnlySpan<byte> name) =>
        backing.RemoveXattr(CallerOf(context), node, name);

    public Errno Access(FuseContext context, ulong node, int mask) => backing.Access(CallerOf(context), node, mask);

    public Errno Fallocate(FuseContext context, ulong node, ulong handle, long offset, long length, int mode) =>
        backing.Fallocate(CallerOf(context), handle, mode, offset, length);

    public Errno Lseek(FuseContext context, ulong node, ulong handle, long offset, int whence, out long result) =>
        backing.Lseek(handle, offset, whence, out result);

    public Errno CopyFileRange(FuseContext context, ulong nodeIn, ulong handleIn, long offsetIn, ulong nodeOut, ulong handleOut, long offsetOut, long length, ulong flags, out long copied) =>
        backing.CopyFileRange(CallerOf(context), handleIn, offsetIn, handleOut, offsetOut, length, (uint)flags, out copied);

    public void Destroy()
    {
    }

    /// <remarks>
    /// Every open gets FOPEN_NOFLUSH, which spares close(2) a round trip (a quarter of the
    /// requests when creating small files): writes reach the backing file before WRITE
    /// returns, so no write error waits for the close to be reported, and the kernel keeps
    /// POSIX locks itself (the mount does not ask for FUSE_POSIX_LOCKS).
    /// </remarks>
    private Errno OpenReply(FuseContext context, ulong node, ulong handle, int flags, out FuseOpenReply reply)
    {
        reply = new FuseOpenReply { Handle = handle, Options = FuseOpenOptions.NoFlush };
        if (!usePassthrough || !context.Session.PassthroughEnabled)
            return Errno.Success;
        var writable = (flags & OAccessMode) != ORdOnly || (flags & OTrunc) != 0;
        var session = context.Session;
        var mode = _openModes.Open(node, handle, writable, () =>
            backing.TryGetPassthroughFd(handle, out var fd) && session.OpenBacking(fd, out var id) == Errno.Success ? id : null, out var backingId);
        if (mode != OpenMode.Passthrough)
            reply.Options |= FuseOpenOptions.DirectIo | FuseOpenOptions.ParallelDirectWrites;
        if (mode != OpenMode.DirectIo)
        {
            reply.Options |= FuseOpenOptions.Passthrough;
            reply.BackingId = backingId;
        }
        if (mode == OpenMode.PassthroughDirectIo)
            backing.WatchMappedWrites(CallerOf(context), handle);
        return Errno.Success;
    }

    /// <summary>
    /// Clears set-user-ID, and set-group-ID when group-executable, as the kernel asked (see
    /// <see cref="FuseContext.KillSuidGid"/>); it passes the change seam as the mode change it is.
    /// </summary>
    private Errno DropSetIds(FuseContext context, ulong node)
    {
        var error = backing.GetAttr(node, out var stat);
        if (error != Errno.Success)
            return error;
        var mode = WithoutSetIds(context, stat.Mode, stat.Gid);
        if (!IsRegularFile(stat.Mode) || mode == (stat.Mode & PermissionBits))
            return Errno.Success;
        error = backing.SetAttr(CallerOf(context), node, new SetAttrRequest { Fields = SetAttrFields.Mode, Mode = mode }, out _);
        // A WRITE's reply carries no attributes: without this the kernel shows the old mode
        // from its cache until the attributes time out.
        if (error == Errno.Success)
            context.Session.InvalidateAttributes(node);
        return error;
    }

    // The kernel clears set-id bits of regular files only (setattr_should_drop_suidgid); it
    // also asks on a chown of a symlink, whose mode cannot be changed.
    private static bool IsRegularFile(uint mode) => (mode & SIfMt) == SIfReg;

    /// <summary>
    /// The mode without the bits setattr_should_drop_suidgid drops for a caller without
    /// CAP_FSETID (the kernel asks only then): set-user-ID always, set-group-ID when the file
    /// is group-executable or the caller is not in the file's group.
    /// </summary>
    private static uint WithoutSetIds(FuseContext context, uint mode, uint fileGid)
    {
        var dropGroup = (mode & SISgid) != 0
            && ((mode & SIxGrp) != 0 || !CallerGroups.Contains(context.Pid, context.Gid, fileGid));
        return mode & PermissionBits & ~(SISuid | (dropGroup ? SISgid : 0));
    }

    private static Errno Entry(Errno error, in NodeEntry found, out FuseEntry entry)
    {
        entry = error == Errno.Success ? ToFuse(found) : default;
        return error;
    }

    private static Errno Attr(Errno error, in NodeStat stat, out FuseAttr attr)
    {
        attr = error == Errno.Success ? ToFuse(stat) : default;
        return error;
    }
}
