using System.Text;
using Vellum.Journal.Format;
using Vellum.Journal.Operations;

namespace Vellum.Mirror.Tests;

/// <summary>
/// A source directory changed with real syscalls, each change journaled as a journaling
/// mount would: the operation with its REDO, and RESULT read back from the source (the
/// node's attributes, its directories' mtimes). One transaction per change.
/// </summary>
internal sealed class SourceTree(string root, JournalBuilder journal)
{
    public string Root { get; } = root;

    public string Full(string path) => Path.Combine(Root, path);

    public ulong Create(string path, uint mode = 0x1A4, uint uid = 1000, uint gid = 1000)
    {
        File.WriteAllBytes(Full(path), []);
        Own(path, mode, uid, gid);
        return Record(SubRecordType.Create, path, null, new OperationState { Attributes = new NodeAttributes { Mode = 0x8000 | mode, Uid = uid, Gid = gid } });
    }

    public ulong Mkdir(string path, uint mode = 0x1ED, uint uid = 1000, uint gid = 1000)
    {
        Directory.CreateDirectory(Full(path));
        Own(path, mode, uid, gid);
        return Record(SubRecordType.Mkdir, path, null, new OperationState { Attributes = new NodeAttributes { Mode = 0x4000 | mode, Uid = uid, Gid = gid } });
    }

    public ulong Mknod(string path, uint mode, ulong rdev, uint uid = 1000, uint gid = 1000)
    {
        Sys.Mknod(Full(path), mode, rdev);
        Own(path, mode & 0xFFF, uid, gid);
        return Record(SubRecordType.Mknod, path, null, new OperationState { Attributes = new NodeAttributes { Mode = mode, Uid = uid, Gid = gid, Rdev = rdev } });
    }

    public ulong Symlink(string target, string path, uint uid = 1000, uint gid = 1000)
    {
        File.CreateSymbolicLink(Full(path), target);
        Sys.Lchown(Full(path), uid, gid);
        return Record(SubRecordType.Symlink, path, null, new OperationState { Target = Encoding.UTF8.GetBytes(target), Attributes = new NodeAttributes { Uid = uid, Gid = gid } });
    }

    public ulong Link(string existing, string name)
    {
        Sys.Link(Full(existing), Full(name));
        return Record(SubRecordType.Link, existing, name, null);
    }

    public ulong Unlink(string path)
    {
        File.Delete(Full(path));
        return Record(SubRecordType.Unlink, path, null, null);
    }

    public ulong Rmdir(string path)
    {
        Directory.Delete(Full(path));
        return Record(SubRecordType.Rmdir, path, null, null);
    }

    public ulong Rename(string from, string to, uint flags = 0)
    {
        Sys.Rename(Full(from), Full(to), flags);
        return Record(SubRecordType.Rename, from, to, new OperationState { Flags = flags });
    }

    public ulong Write(string path, long offset, byte[] data)
    {
        using (var file = File.OpenHandle(Full(path), FileMode.Open, FileAccess.Write))
            RandomAccess.Write(file, data, offset);
        return Record(SubRecordType.Write, path, null, new OperationState { Offset = (ulong)offset, Data = data });
    }

    public ulong Truncate(string path, long size)
    {
        using (var file = File.OpenHandle(Full(path), FileMode.Open, FileAccess.Write))
            RandomAccess.SetLength(file, size);
        return Record(SubRecordType.Truncate, path, null, new OperationState { Attributes = new NodeAttributes { Size = (ulong)size } });
    }

    public ulong Chmod(string path, uint mode)
    {
        Sys.Chmod(Full(path), mode);
        return Record(SubRecordType.SetAttr, path, null, new OperationState { Attributes = new NodeAttributes { Mode = mode } });
    }

    public ulong Chown(string path, uint uid, uint gid)
    {
        Sys.Lchown(Full(path), uid, gid);
        return Record(SubRecordType.SetAttr, path, null, new OperationState { Attributes = new NodeAttributes { Uid = uid, Gid = gid } });
    }

    public ulong SetTimes(string path, long atimeSeconds, long mtimeSeconds, uint nanoseconds)
    {
        Sys.SetTimes(Full(path), (atimeSeconds, nanoseconds), (mtimeSeconds, nanoseconds));
        return Record(SubRecordType.SetAttr, path, null, new OperationState
        {
            Attributes = new NodeAttributes { Atime = new JournalTimestamp(atimeSeconds, nanoseconds), Mtime = new JournalTimestamp(mtimeSeconds, nanoseconds) },
        });
    }

    public ulong SetXattr(string path, string name, byte[] value)
    {
        Sys.SetXattr(Full(path), name, value);
        var redo = new OperationState { Flags = 0 };
        redo.Xattrs.Add(new ExtendedAttribute(Encoding.UTF8.GetBytes(name), value));
        return Record(SubRecordType.SetXattr, path, null, redo);
    }

    public ulong RemoveXattr(string path, string name)
    {
        Sys.RemoveXattr(Full(path), name);
        var redo = new OperationState();
        redo.Xattrs.Add(new ExtendedAttribute(Encoding.UTF8.GetBytes(name), null));
        return Record(SubRecordType.RemoveXattr, path, null, redo);
    }

    public ulong Fallocate(string path, int mode, long offset, long length)
    {
        Sys.Fallocate(Full(path), mode, offset, length);
        return Record(SubRecordType.Fallocate, path, null, new OperationState { Flags = (uint)mode, Offset = (ulong)offset, Length = (ulong)length });
    }

    private void Own(string path, uint mode, uint uid, uint gid)
    {
        Sys.Lchown(Full(path), uid, gid);
        Sys.Chmod(Full(path), mode);
    }

    /// <summary>Journals the change just made, RESULT read from the source as it is now.</summary>
    private ulong Record(SubRecordType kind, string path, string? path2, OperationState? redo)
    {
        var node = kind is SubRecordType.Unlink or SubRecordType.Rmdir ? null : path2 ?? path;
        var result = new OperationResult { DirMtime = DirectoryMtime(path) };
        if (path2 is not null)
            result.Dir2Mtime = DirectoryMtime(path2);
        if (node is not null)
        {
            var stat = Sys.Lstat(Full(node));
            result.Inode = stat.Inode;
            result.Attributes = new NodeAttributes
            {
                Mode = stat.Mode,
                Uid = stat.Uid,
                Gid = stat.Gid,
                Size = stat.Size,
                Atime = new JournalTimestamp(stat.Atime.Seconds, stat.Atime.Nanoseconds),
                Mtime = new JournalTimestamp(stat.Mtime.Seconds, stat.Mtime.Nanoseconds),
            };
        }
        return journal.Commit(JournalBuilder.Operation(kind, path, path2, redo, result));
    }

    private JournalTimestamp DirectoryMtime(string path)
    {
        var stat = Sys.Lstat(Path.GetDirectoryName(Full(path))!);
        return new JournalTimestamp(stat.Mtime.Seconds, stat.Mtime.Nanoseconds);
    }
}
