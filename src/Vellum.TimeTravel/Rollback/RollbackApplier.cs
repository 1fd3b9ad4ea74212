using Microsoft.Win32.SafeHandles;
using Vellum.Native;

namespace Vellum.TimeTravel.Rollback;

/// <summary>
/// Carries out a <see cref="RollbackPlan"/> on the live tree with ordinary file operations, so
/// that through a journaled mount each is journaled: removals deepest first; then names made
/// parents first (a file's bytes copied from the past one's data extents only, so holes stay
/// holes; its further hard links made by link()); then kept files' bytes; last the attributes
/// of every past name, deepest first, so a directory's times are set after its contents
/// changed: owner, then mode (chown clears set-id bits), xattrs (exactly the past set), times.
/// </summary>
internal static unsafe class RollbackApplier
{
    private const int CopyBuffer = 1 << 20;

    public static void Apply(RollbackPlan plan, CancellationToken cancellation)
    {
        foreach (var name in plan.Remove.OrderByDescending(Depth).ThenByDescending(name => name, StringComparer.Ordinal))
        {
            cancellation.ThrowIfCancellationRequested();
            Delete(plan, name);
        }
        var made = new Dictionary<ulong, string>();
        // Names are made with their past permissions, so the attribute pass has no chmod to journal for them.
        var umask = LibC.Umask(0);
        try
        {
            foreach (var name in plan.Create)
            {
                cancellation.ThrowIfCancellationRequested();
                Make(plan, name, made);
            }
        }
        finally
        {
            LibC.Umask(umask);
        }
        foreach (var name in plan.Rewrite)
        {
            cancellation.ThrowIfCancellationRequested();
            CopyContent(RollbackTree.Full(plan.PastRoot, name), RollbackTree.Full(plan.LiveRoot, name), create: false, 0);
        }
        foreach (var (name, then) in plan.Past.OrderByDescending(pair => Depth(pair.Key)).ThenByDescending(pair => pair.Key, StringComparer.Ordinal))
        {
            cancellation.ThrowIfCancellationRequested();
            SetAttributes(RollbackTree.Full(plan.LiveRoot, name), then, name.Length == 0);
        }
    }

    private static int Depth(string name) => name.Length == 0 ? 0 : name.Count(c => c == '/') + 1;

    /// <summary>Removes a live name; a directory's contents are removed before it (deeper names come first), so only an emptied directory is left for rmdir.</summary>
    private static void Delete(RollbackPlan plan, string name)
    {
        var path = RollbackTree.Full(plan.LiveRoot, name);
        var node = RollbackTree.Read(path, name.Length == 0);
        if (node is null)
            return;
        if (node.IsDirectory)
        {
            // Names made meanwhile inside it are removed too: the rollback puts back the past, in which this directory did not exist.
            foreach (var entry in Directory.EnumerateFileSystemEntries(path))
                Delete(plan, name.Length == 0 ? Path.GetFileName(entry) : $"{name}/{Path.GetFileName(entry)}");
        }
        if (LibC.UnlinkAt(LibCConstants.AtFdCwd, path, node.IsDirectory ? LibCConstants.AtRemoveDir : 0) != 0 && LibC.LastError() is var error && error != Errno.ENOENT)
            throw new IOException($"cannot remove {path}: {error.Text}");
    }

    private static void Make(RollbackPlan plan, string name, Dictionary<ulong, string> made)
    {
        var then = plan.Past[name];
        var path = RollbackTree.Full(plan.LiveRoot, name);
        int result;
        if (then.IsDirectory)
            result = LibC.MkdirAt(LibCConstants.AtFdCwd, path, then.Permissions);
        else if (then.IsSymlink)
            result = LibC.SymlinkAt(then.LinkTarget!, LibCConstants.AtFdCwd, path);
        else if (then.IsRegular && made.TryGetValue(then.Inode, out var first))
            result = LibC.LinkAt(LibCConstants.AtFdCwd, RollbackTree.Full(plan.LiveRoot, first), LibCConstants.AtFdCwd, path);
        else if (then.IsRegular)
        {
            CopyContent(RollbackTree.Full(plan.PastRoot, name), path, create: true, then.Permissions);
            made[then.Inode] = name;
            return;
        }
        else
            result = LibC.MknodAt(LibCConstants.AtFdCwd, path, then.Type | then.Permissions, then.Device);
        if (result != 0)
            throw new IOException($"cannot make {path}: {LibC.LastError().Text}");
    }

    /// <summary>Gives <paramref name="livePath"/> the past file's bytes: an existing file cut to nothing and sized, then only the past file's data extents written (a new one is sized only where it ends in a hole).</summary>
    private static void CopyContent(string pastPath, string livePath, bool create, uint permissions)
    {
        var flags = LibCConstants.OWrOnly | LibCConstants.ONoFollow | LibCConstants.OCloExec | (create ? LibCConstants.OCreat | LibCConstants.OExcl : 0);
        var fd = LibC.Open(livePath, flags, create ? permissions : 0);
        if (fd < 0)
            throw new IOException($"cannot write {livePath}: {LibC.LastError().Text}");
        using var live = new SafeFileHandle(fd, ownsHandle: true);
        using var past = File.OpenHandle(pastPath, FileMode.Open, FileAccess.Read);
        var size = RandomAccess.GetLength(past);
        if (!create && (LibC.FTruncate(fd, 0) != 0 || LibC.FTruncate(fd, size) != 0))
            throw new IOException($"cannot truncate {livePath}: {LibC.LastError().Text}");
        var buffer = new byte[CopyBuffer];
        var pastFd = (int)past.DangerousGetHandle();
        long offset = 0;
        while (offset < size)
        {
            var data = LibC.LSeek(pastFd, offset, LibCConstants.SeekData);
            if (data < 0)
                break; // ENXIO: only a hole up to the end, which a truncate makes.
            var hole = LibC.LSeek(pastFd, data, LibCConstants.SeekHole);
            if (hole < 0)
                hole = size;
            for (var at = data; at < hole;)
            {
                var read = RandomAccess.Read(past, buffer.AsSpan(0, (int)Math.Min(buffer.Length, hole - at)), at);
                if (read == 0)
                    break;
                RandomAccess.Write(live, buffer.AsSpan(0, read), at);
                at += read;
            }
            offset = hole;
        }
        if (create && offset < size && LibC.FTruncate(fd, size) != 0)
            throw new IOException($"cannot size {livePath}: {LibC.LastError().Text}");
    }

    private static void SetAttributes(string path, RollbackNode then, bool isRoot)
    {
        var now = RollbackTree.Read(path, isRoot) ?? throw new IOException($"{path} is gone: it was removed while the rollback ran");
        if (now.Uid != then.Uid || now.Gid != then.Gid)
            Check(LibC.FChownAt(LibCConstants.AtFdCwd, path, then.Uid, then.Gid, LibCConstants.AtSymlinkNoFollow), "set the owner of", path);
        if (!then.IsSymlink && (now.Permissions != then.Permissions || now.Uid != then.Uid || now.Gid != then.Gid))
            Check(LibC.FChmodAt(LibCConstants.AtFdCwd, path, then.Permissions, 0), "set the mode of", path);
        if (!now.SameXattrs(then))
        {
            foreach (var name in now.Xattrs.Keys.Where(name => !then.Xattrs.ContainsKey(name)))
                Check(LibC.RemoveXattr(path, name, followSymlink: false), $"remove the xattr {name} of", path);
            foreach (var (name, value) in then.Xattrs.Where(pair => !now.Xattrs.TryGetValue(pair.Key, out var v) || !v.AsSpan().SequenceEqual(pair.Value)))
                Check(LibC.SetXattr(path, name, value, 0, followSymlink: false), $"set the xattr {name} of", path);
        }
        if (!now.SameMtime(then))
        {
            var times = stackalloc TimeSpec[2];
            times[0] = new TimeSpec { Seconds = then.AtimeSeconds, Nanoseconds = then.AtimeNanoseconds };
            times[1] = new TimeSpec { Seconds = then.MtimeSeconds, Nanoseconds = then.MtimeNanoseconds };
            Check(LibC.UtimensAt(LibCConstants.AtFdCwd, path, times, LibCConstants.AtSymlinkNoFollow), "set the times of", path);
        }
    }

    private static void Check(int result, string what, string path)
    {
        if (result != 0)
            throw new IOException($"cannot {what} {path}: {LibC.LastError().Text}");
    }
}
