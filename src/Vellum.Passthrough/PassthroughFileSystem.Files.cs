using Vellum.Native;
using Vellum.Passthrough.Handles;
using Vellum.Passthrough.Inodes;

namespace Vellum.Passthrough;

/// <summary>Open files: open, read, write, sync, space management, release.</summary>
public sealed unsafe partial class PassthroughFileSystem
{
    /// <summary>
    /// Opens <paramref name="node"/> with open(2) <paramref name="flags"/> (O_CREAT, O_EXCL,
    /// O_NOCTTY and O_NOFOLLOW are ignored: the node exists and is no symlink). An O_TRUNC
    /// open is a change (<see cref="ChangeKind.Truncate"/>). See <see cref="BackingOpenFlags"/>
    /// for O_APPEND.
    /// </summary>
    public Errno Open(in Caller caller, ulong node, int flags, out ulong handle)
    {
        handle = 0;
        using var n = _nodes.Acquire(node);
        if (!n.IsValid)
        {
            return n.Error;
        }
        flags = BackingOpenFlags(flags & ~(LibCConstants.OCreat | LibCConstants.OExcl | LibCConstants.ONoCtty | LibCConstants.ONoFollow));
        int fd;
        Errno error;
        if ((flags & LibCConstants.OTrunc) == 0)
        {
            fd = Reopen(in n, flags);
            error = fd < 0 ? LibC.LastError() : Errno.Success;
        }
        else
        {
            var change = new Change { Kind = ChangeKind.Truncate, Caller = caller, Node = n.Id, NodeFd = n.Fd, Flags = flags };
            var refused = ChangeScope.Begin(_recorder, in change, n.Node, out var scope);
            if (refused != Errno.Success)
            {
                return refused;
            }
            fd = Reopen(in n, flags);
            error = fd < 0 ? LibC.LastError() : Errno.Success;
            // A truncate does not ask to be durable, so the recorder has nothing to add.
            _ = scope.End(in change, ChangeOutcome.Of(error));
        }
        if (error != Errno.Success)
        {
            return error;
        }
        handle = _files.Add(new OpenFile(_nodes.Acquire(n.Node), fd, flags));
        return Errno.Success;
    }

    /// <summary>
    /// The backing descriptor of a read-only open, for an inode's first FUSE passthrough open
    /// (the kernel then reads the backing file directly, and every later passthrough open of
    /// the inode shares it). Opens that can write have none: every byte written must pass
    /// through <see cref="Write"/> so the recorder sees it.
    /// </summary>
    public bool TryGetPassthroughFd(ulong handle, out int fd)
    {
        fd = -1;
        if (!_files.TryGet(handle, out var file) || !file.IsReadOnly)
        {
            return false;
        }
        fd = file.Fd;
        return true;
    }

    /// <summary>pread into <paramref name="buffer"/>; fewer bytes than asked only at end of file.</summary>
    public Errno Read(ulong handle, Span<byte> buffer, long offset, out int bytesRead)
    {
        bytesRead = 0;
        if (!_files.TryGet(handle, out var file))
        {
            return Errno.EBADF;
        }
        nint result;
        fixed (byte* p = buffer)
        {
            result = LibC.PRead(file.Fd, p, (nuint)buffer.Length, offset);
        }
        if (result < 0)
        {
            return LibC.LastError();
        }
        bytesRead = (int)result;
        return Errno.Success;
    }

    /// <summary>pwrite of <paramref name="data"/> at exactly <paramref name="offset"/>, also for O_APPEND opens (see <see cref="BackingOpenFlags"/>).</summary>
    public Errno Write(in Caller caller, ulong handle, ReadOnlySpan<byte> data, long offset, out int written)
    {
        written = 0;
        if (!_files.TryGet(handle, out var file))
        {
            return Errno.EBADF;
        }
        var change = new Change
        {
            Kind = ChangeKind.Write,
            Caller = caller,
            Node = file.Node.Id,
            NodeFd = file.NodeFd,
            Handle = handle,
            HandleFd = file.Fd,
            Data = data,
            Offset = offset,
            Length = data.Length,
            Flags = file.Flags,
        };
        var refused = ChangeScope.Begin(_recorder, in change, file.Node, out var scope);
        if (refused != Errno.Success)
        {
            return refused;
        }
        nint result;
        fixed (byte* p = data)
        {
            result = LibC.PWrite(file.Fd, p, (nuint)data.Length, offset);
        }
        var error = result < 0 ? LibC.LastError() : Errno.Success;
        written = result < 0 ? 0 : (int)result;
        return scope.End(in change, ChangeOutcome.Of(error, written));
    }

    /// <summary>
    /// FLUSH (each close of a descriptor in the caller): closes a duplicate of the backing
    /// descriptor, which reports deferred write errors and drops POSIX locks as close does.
    /// </summary>
    public Errno Flush(ulong handle)
    {
        if (!_files.TryGet(handle, out var file))
        {
            return Errno.EBADF;
        }
        JournalMappedWrites(file.Node.Id, handle);
        var duplicate = LibC.Dup(file.Fd);
        return duplicate < 0 ? LibC.LastError() : Check(LibC.Close(duplicate));
    }

    /// <summary>RELEASE: the last reference to the open file is gone; closes the backing descriptor.</summary>
    public Errno Release(ulong handle)
    {
        if (!_files.TryRemove(handle, out var file))
        {
            return Errno.EBADF;
        }
        EndMappedWrites(file.Node.Id, handle);
        return file.Close();
    }

    public Errno Fsync(in Caller caller, ulong handle, bool dataOnly)
    {
        if (!_files.TryGet(handle, out var file))
        {
            return Errno.EBADF;
        }
        JournalMappedWrites(file.Node.Id);
        return Sync(in caller, ChangeKind.Fsync, file.NodeLease, handle, file.Fd, dataOnly);
    }

    /// <summary>fallocate(2), including FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE and FALLOC_FL_ZERO_RANGE.</summary>
    public Errno Fallocate(in Caller caller, ulong handle, int mode, long offset, long length)
    {
        if (!_files.TryGet(handle, out var file))
        {
            return Errno.EBADF;
        }
        var change = new Change
        {
            Kind = ChangeKind.Fallocate,
            Caller = caller,
            Node = file.Node.Id,
            NodeFd = file.NodeFd,
            Handle = handle,
            HandleFd = file.Fd,
            Flags = mode,
            Offset = offset,
            Length = length,
        };
        var refused = ChangeScope.Begin(_recorder, in change, file.Node, out var scope);
        if (refused != Errno.Success)
        {
            return refused;
        }
        var error = Check(LibC.FAllocate(file.Fd, mode, offset, length));
        return scope.End(in change, ChangeOutcome.Of(error));
    }

    /// <summary>lseek(2) for SEEK_DATA (3) and SEEK_HOLE (4) (and the plain whences); reads and writes never use the file position.</summary>
    public Errno Lseek(ulong handle, long offset, int whence, out long result)
    {
        result = 0;
        if (!_files.TryGet(handle, out var file))
        {
            return Errno.EBADF;
        }
        result = LibC.LSeek(file.Fd, offset, whence);
        if (result < 0)
        {
            result = 0;
            return LibC.LastError();
        }
        return Errno.Success;
    }

    /// <summary>copy_file_range(2) between two open handles; a change of the destination.</summary>
    public Errno CopyFileRange(in Caller caller, ulong sourceHandle, long sourceOffset, ulong handle, long offset, long length, uint flags, out long copied)
    {
        copied = 0;
        if (!_files.TryGet(sourceHandle, out var source) || !_files.TryGet(handle, out var destination))
        {
            return Errno.EBADF;
        }
        var change = new Change
        {
            Kind = ChangeKind.CopyFileRange,
            Caller = caller,
            Node = destination.Node.Id,
            NodeFd = destination.NodeFd,
            Handle = handle,
            HandleFd = destination.Fd,
            Offset = offset,
            Length = length,
            Flags = (int)flags,
            SourceNode = source.Node.Id,
            SourceFd = source.Fd,
            SourceOffset = sourceOffset,
        };
        // The source too: a recorder reads the bytes about to be copied, and a concurrent
        // write to the source must not slip in between that read and the copy.
        var refused = ChangeScope.Begin(_recorder, in change, destination.Node, source.Node, out var scope);
        if (refused != Errno.Success)
        {
            return refused;
        }
        var result = LibC.CopyFileRange(source.Fd, &sourceOffset, destination.Fd, &offset, (nuint)length, flags);
        var error = result < 0 ? LibC.LastError() : Errno.Success;
        copied = result < 0 ? 0 : result;
        return scope.End(in change, ChangeOutcome.Of(error, copied));
    }

    /// <summary>
    /// The flags a backing file is opened with. O_APPEND is dropped: the kernel already turns
    /// an append into a WRITE at the end of the file, and a backing O_APPEND would make
    /// pwrite ignore that offset, so the offset a recorder sees would not be where the
    /// bytes went. O_DIRECT is dropped too: the caller's O_DIRECT is the kernel FUSE client's
    /// to honour (its I/O bypasses the mount's page cache and reaches this daemon at once),
    /// while the bytes here sit in FUSE request buffers that O_DIRECT's alignment rules
    /// would refuse (EINVAL). The backing file's page cache stays coherent for every reader:
    /// all of them go through the one backing inode, and a passthrough O_DIRECT read (the
    /// kernel opens its own backing file with the caller's flags) writes dirty pages back
    /// before it reads.
    /// </summary>
    private static int BackingOpenFlags(int flags) => flags & ~(LibCConstants.OAppend | LibCConstants.ODirect);

    private Errno Sync(in Caller caller, ChangeKind kind, in NodeLease node, ulong handle, int fd, bool dataOnly)
    {
        var change = new Change
        {
            Kind = kind,
            Caller = caller,
            Node = node.Id,
            NodeFd = node.Fd,
            Handle = handle,
            HandleFd = fd,
            Flags = dataOnly ? 1 : 0,
        };
        var refused = ChangeScope.Begin(_recorder, in change, node.Node, out var scope);
        if (refused != Errno.Success)
        {
            return refused;
        }
        var covered = kind == ChangeKind.Fsync && _recorder is not null && _recorder.CoversSync(in change);
        var error = covered ? Errno.Success : Check(dataOnly ? LibC.FDataSync(fd) : LibC.FSync(fd));
        return scope.End(in change, ChangeOutcome.Of(error));
    }
}
