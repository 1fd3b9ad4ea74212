using System.Text;
using Microsoft.Win32.SafeHandles;
using Vellum.Fuse;
using Vellum.Native;

namespace Vellum.Fuse.Tests;

/// <summary>Open files, directory listings and extended attributes of <see cref="MemoryFileSystem"/>.</summary>
internal sealed partial class MemoryFileSystem
{
    public Errno Open(FuseContext context, ulong node, int flags, out FuseOpenReply reply)
    {
        reply = default;
        string? backingPath;
        lock (_lock)
        {
            if (!_nodes.TryGetValue(node, out var found))
            {
                return Errno.ENOENT;
            }

            if (found.IsBroken)
            {
                throw new InvalidOperationException("the broken file cannot be opened");
            }
            backingPath = found.BackingPath;
            reply.Handle = _nextHandle++;
            // Page-cache reads go to the kernel as background requests, which are never
            // interrupted; a direct read is synchronous and is.
            reply.Options = found.IsSlow ? FuseOpenOptions.DirectIo : FuseOpenOptions.None;
        }

        if (backingPath is null || !IsReadOnly(flags) || !context.Session.PassthroughEnabled)
        {
            return Errno.Success;
        }

        // The kernel keeps its own reference to the backing file: our descriptor closes at once.
        using SafeFileHandle file = File.OpenHandle(backingPath);
        var error = context.Session.OpenBacking((int)file.DangerousGetHandle(), out var backingId);
        if (error != Errno.Success)
        {
            return error;
        }

        reply.Options = FuseOpenOptions.Passthrough;
        reply.BackingId = backingId;
        lock (_lock)
        {
            _backingIds[reply.Handle] = backingId;
            PassthroughOpens++;
        }

        return Errno.Success;
    }

    public Errno Create(FuseContext context, ulong parent, ReadOnlySpan<byte> name, uint mode, int flags, out FuseEntry entry, out FuseOpenReply reply)
    {
        reply = default;
        var error = Add(context, parent, name, MemoryNode.Regular | (mode & 0xFFF), null, out entry);
        if (error == Errno.Success)
        {
            lock (_lock)
            {
                reply.Handle = _nextHandle++;
            }
        }

        return error;
    }

    public Errno Read(FuseContext context, ulong node, ulong handle, long offset, Span<byte> buffer, out int bytesRead)
    {
        if (IsSlow(node))
        {
            bytesRead = 0;
            return WaitForInterrupt(context);
        }

        lock (_lock)
        {
            var found = _nodes[node];
            var available = Math.Max(0, found.Size - offset);
            bytesRead = (int)Math.Min(available, buffer.Length);
            if (bytesRead > 0)
            {
                found.Data.AsSpan((int)offset, bytesRead).CopyTo(buffer);
            }

            return Errno.Success;
        }
    }

    private bool IsSlow(ulong node)
    {
        lock (_lock)
        {
            return _nodes[node].IsSlow;
        }
    }

    /// <summary>Blocks (outside the lock) until the kernel interrupts the request, as a long operation would.</summary>
    private Errno WaitForInterrupt(FuseContext context)
    {
        SlowReadStarted.Set();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!context.IsInterrupted && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(5);
        }

        if (context.IsInterrupted)
        {
            SlowReadInterrupted.Set();
        }

        return Errno.EINTR;
    }

    public Errno Write(FuseContext context, ulong node, ulong handle, long offset, ReadOnlySpan<byte> data, int flags, out int bytesWritten)
    {
        lock (_lock)
        {
            var found = _nodes[node];
            if (offset + data.Length > found.Size)
            {
                found.Resize(offset + data.Length);
            }

            data.CopyTo(found.Data.AsSpan((int)offset));
            found.Touch();
            bytesWritten = data.Length;
            _largestWrite = Math.Max(_largestWrite, data.Length);
            return Errno.Success;
        }
    }

    public Errno Flush(FuseContext context, ulong node, ulong handle, ulong lockOwner) => Errno.Success;

    public Errno Release(FuseContext context, ulong node, ulong handle, int flags)
    {
        int backingId;
        lock (_lock)
        {
            if (!_backingIds.Remove(handle, out backingId))
            {
                return Errno.Success;
            }
        }

        return context.Session.CloseBacking(backingId);
    }

    public Errno Fsync(FuseContext context, ulong node, ulong handle, bool dataOnly) => Errno.Success;

    public Errno OpenDir(FuseContext context, ulong node, int flags, out FuseOpenReply reply)
    {
        reply = default;
        lock (_lock)
        {
            if (!_nodes.TryGetValue(node, out var found) || !found.IsDirectory)
            {
                return Errno.ENOTDIR;
            }

            // A snapshot per open: offsets stay meaningful while the directory changes.
            var listing = new List<(string, ulong)> { (".", node), ("..", node) };
            listing.AddRange(found.Children.Select(child => (child.Key, child.Value)));
            reply.Handle = _nextHandle++;
            _listings[reply.Handle] = [.. listing];
            return Errno.Success;
        }
    }

    public Errno ReadDir(FuseContext context, ulong node, ulong handle, long offset, ref FuseDirectoryWriter entries)
    {
        lock (_lock)
        {
            var listing = _listings[handle];
            Span<byte> name = stackalloc byte[1024];
            for (var i = (int)offset; i < listing.Length; i++)
            {
                var length = Encoding.UTF8.GetBytes(listing[i].Name, name);
                var entry = _nodes[listing[i].Node].Entry();
                if (!entries.TryAdd(name[..length], entry, i + 1))
                {
                    break;
                }
            }

            return Errno.Success;
        }
    }

    public Errno ReleaseDir(FuseContext context, ulong node, ulong handle)
    {
        lock (_lock)
        {
            _listings.Remove(handle);
            return Errno.Success;
        }
    }

    public Errno FsyncDir(FuseContext context, ulong node, ulong handle, bool dataOnly) => Errno.Success;

    public Errno SetXattr(FuseContext context, ulong node, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int flags)
    {
        var key = Name(name);
        lock (_lock)
        {
            var xattrs = _nodes[node].Xattrs;
            var exists = xattrs.ContainsKey(key);
            if ((flags & LibCConstants.XattrCreate) != 0 && exists)
            {
                return Errno.EEXIST;
            }

            if ((flags & LibCConstants.XattrReplace) != 0 && !exists)
            {
                return Errno.ENODATA;
            }

            xattrs[key] = value.ToArray();
            return Errno.Success;
        }
    }

    public Errno GetXattr(FuseContext context, ulong node, ReadOnlySpan<byte> name, Span<byte> value, out int size)
    {
        var key = Name(name);
        lock (_lock)
        {
            size = 0;
            return _nodes[node].Xattrs.TryGetValue(key, out var stored) ? CopyOut(stored, value, out size) : Errno.ENODATA;
        }
    }

    public Errno ListXattr(FuseContext context, ulong node, Span<byte> names, out int size)
    {
        lock (_lock)
        {
            var all = string.Concat(_nodes[node].Xattrs.Keys.Select(key => key + "\0"));
            return CopyOut(Encoding.UTF8.GetBytes(all), names, out size);
        }
    }

    public Errno RemoveXattr(FuseContext context, ulong node, ReadOnlySpan<byte> name)
    {
        var key = Name(name);
        lock (_lock)
        {
            return _nodes[node].Xattrs.Remove(key) ? Errno.Success : Errno.ENODATA;
        }
    }

    public Errno Fallocate(FuseContext context, ulong node, ulong handle, long offset, long length, int mode)
    {
        if (mode != 0)
        {
            return Errno.EOPNOTSUPP;
        }

        lock (_lock)
        {
            var found = _nodes[node];
            if (offset + length > found.Size)
            {
                found.Resize(offset + length);
            }

            return Errno.Success;
        }
    }

    public Errno Lseek(FuseContext context, ulong node, ulong handle, long offset, int whence, out long result)
    {
        result = 0;
        return Errno.ENOSYS;
    }

    public Errno CopyFileRange(FuseContext context, ulong nodeIn, ulong handleIn, long offsetIn, ulong nodeOut, ulong handleOut, long offsetOut, long length, ulong flags, out long copied)
    {
        copied = 0;
        return Errno.ENOSYS;
    }
}
