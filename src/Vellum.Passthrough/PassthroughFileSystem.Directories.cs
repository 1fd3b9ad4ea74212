using Vellum.Native;
using Vellum.Passthrough.Handles;
using Vellum.Passthrough.Interop;

namespace Vellum.Passthrough;

/// <summary>Open directories: listing with resumable cookies, sync, release.</summary>
public sealed unsafe partial class PassthroughFileSystem
{
    public Errno OpenDir(ulong node, out ulong handle)
    {
        handle = 0;
        using var n = _nodes.Acquire(node);
        if (!n.IsValid)
        {
            return n.Error;
        }
        var fd = Reopen(in n, LibCConstants.ORdOnly | LibCConstants.ODirectory);
        if (fd < 0)
        {
            return LibC.LastError();
        }
        handle = _directories.Add(new OpenDirectory(_nodes.Acquire(n.Node), fd));
        return Errno.Success;
    }

    /// <summary>
    /// Lists entries, "." and ".." included, from cookie <paramref name="offset"/> (0 = the
    /// start) until the directory ends or the sink is full; the cookies are the backing
    /// filesystem's d_off values. An error after some entries were listed ends the listing
    /// there with success, so the entries are not lost; the next call reports it.
    /// </summary>
    public Errno ReadDir<TSink>(ulong handle, long offset, ref TSink sink)
        where TSink : IDirectorySink, allows ref struct
    {
        if (!_directories.TryGet(handle, out var directory))
        {
            return Errno.EBADF;
        }
        lock (directory.CursorLock)
        {
            var listed = false;
            var error = Seek(directory, offset);
            while (error == Errno.Success && (error = Fill(directory)) == Errno.Success && directory.Position < directory.End)
            {
                var entry = new Dirent(directory.Buffer.AsSpan(directory.Position, directory.End - directory.Position));
                if (!sink.TryAdd(entry.Name, entry.Ino, (DirectoryEntryType)entry.Type, entry.NextOffset))
                {
                    break;
                }
                Advance(directory, in entry);
                listed = true;
            }
            return listed ? Errno.Success : error;
        }
    }

    /// <summary>
    /// Lists like <see cref="ReadDir"/>, with each entry looked up (READDIRPLUS): see
    /// <see cref="IDirectoryPlusSink"/> for the lookup references. Entries that vanish
    /// between listing and lookup are skipped.
    /// </summary>
    public Errno ReadDirPlus<TSink>(ulong handle, long offset, ref TSink sink)
        where TSink : IDirectoryPlusSink, allows ref struct
    {
        if (!_directories.TryGet(handle, out var directory))
        {
            return Errno.EBADF;
        }
        lock (directory.CursorLock)
        {
            var listed = false;
            var error = Seek(directory, offset);
            while (error == Errno.Success && (error = Fill(directory)) == Errno.Success && directory.Position < directory.End)
            {
                var dirent = new Dirent(directory.Buffer.AsSpan(directory.Position, directory.End - directory.Position));
                NodeEntry entry;
                if (NativeName.IsDotOrDotDot(dirent.Name))
                {
                    var stat = new NodeStat { Ino = dirent.Ino, Mode = (uint)dirent.Type << 12 };
                    entry = new NodeEntry(0, 0, stat);
                }
                else
                {
                    fixed (byte* name = dirent.NameWithNul)
                    {
                        error = LookupAt(directory.NodeLease, name, out entry);
                    }
                    if (error == Errno.ENOENT)
                    {
                        error = Errno.Success;
                        Advance(directory, in dirent);
                        continue;
                    }
                    if (error != Errno.Success)
                    {
                        break;
                    }
                }
                if (!sink.TryAdd(dirent.Name, in entry, dirent.NextOffset))
                {
                    Forget(entry.NodeId, 1);
                    break;
                }
                Advance(directory, in dirent);
                listed = true;
            }
            return listed ? Errno.Success : error;
        }
    }

    public Errno FsyncDir(in Caller caller, ulong handle, bool dataOnly)
    {
        if (!_directories.TryGet(handle, out var directory))
        {
            return Errno.EBADF;
        }
        return Sync(in caller, ChangeKind.FsyncDir, directory.NodeLease, handle, directory.Fd, dataOnly);
    }

    public Errno ReleaseDir(ulong handle) =>
        _directories.TryRemove(handle, out var directory) ? directory.Close() : Errno.EBADF;

    /// <summary>Moves the cursor to <paramref name="offset"/> unless it is already there (the usual sequential case).</summary>
    private static Errno Seek(OpenDirectory directory, long offset)
    {
        if (offset == directory.Offset)
        {
            return Errno.Success;
        }
        if (LibC.LSeek(directory.Fd, offset, LibCConstants.SeekSet) < 0)
        {
            return LibC.LastError();
        }
        directory.Position = 0;
        directory.End = 0;
        directory.Offset = offset;
        return Errno.Success;
    }

    /// <summary>Reads the next batch of entries when the buffer is used up; at the end of the directory Position stays equal to End.</summary>
    private static Errno Fill(OpenDirectory directory)
    {
        if (directory.Position < directory.End)
        {
            return Errno.Success;
        }
        nint read;
        fixed (byte* p = directory.Buffer)
        {
            read = LibC.GetDents64(directory.Fd, p, (nuint)directory.Buffer.Length);
        }
        if (read < 0)
        {
            return LibC.LastError();
        }
        directory.Position = 0;
        directory.End = (int)read;
        return Errno.Success;
    }

    private static void Advance(OpenDirectory directory, in Dirent entry)
    {
        directory.Position += entry.RecordLength;
        directory.Offset = entry.NextOffset;
    }
}
