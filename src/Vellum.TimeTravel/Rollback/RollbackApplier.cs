using System.Buffers;
using Microsoft.Win32.SafeHandles;
using Vellum.Native;

namespace Vellum.TimeTravel.Rollback;

/// <summary>
/// Carries out a <see cref="RollbackPlan"/> on the live tree with ordinary file operations, so
/// that through a journaled mount each is journaled, on several threads (<see cref="RollbackWorkers"/>)
/// one depth at a time where order matters: the removals in the way of a past name, deepest
/// first; then names made parents first (a file created with its past mode, its bytes written
/// from the past one's data extents only, so holes stay holes, then its owner, xattrs and times
/// set through the same descriptor; its further hard links made by link() once every first
/// name exists); then files renamed back to their past names and given the past's bytes where
/// they differ; then the other removals (made after, where there is room: see
/// <see cref="RoomToMakeFirst"/>); then kept files' bytes and attributes; last the attributes
/// of the other names that differ and of the directories where names were made or removed,
/// deepest first, so a directory's times are set after its contents changed: owner, then mode
/// (chown clears set-id bits), xattrs (exactly the past set), times. Every file it gives the
/// past's bytes and attributes is recorded in <see cref="RollbackPlan.Settled"/> with the ctime
/// it has then.
/// </summary>
internal static unsafe class RollbackApplier
{
    private const int CopyBuffer = 1 << 20;

    public static void Apply(RollbackPlan plan, CancellationToken cancellation)
    {
        var later = RoomToMakeFirst(plan) ? plan.Remove.Where(name => !InTheWay(plan, name)).ToHashSet(StringComparer.Ordinal) : [];
        Remove(plan, plan.Remove.Where(name => !later.Contains(name)), cancellation);
        Make(plan, cancellation);
        RollbackWorkers.Run(plan.Renames, rename => RenameBack(plan, rename.From, rename.To, rename.XattrsKept), cancellation);
        Remove(plan, later, cancellation);
        RollbackWorkers.Run(plan.Rewrite, name => Rewrite(plan, name), cancellation);
        var written = new HashSet<string>(plan.Rewrite.Concat(plan.Create.Where(name => plan.Past[name].IsRegular)).Concat(plan.Renames.Select(rename => rename.To)), StringComparer.Ordinal);
        foreach (var level in plan.Differing.Where(name => !written.Contains(name)).GroupBy(Depth).OrderByDescending(level => level.Key))
            RollbackWorkers.Run([.. level], name => SetAttributes(plan, name), cancellation);
    }

    /// <summary>
    /// Whether the live filesystem has room for the past files' bytes twice over, so that the
    /// names not in the way of a past one can be removed after the past ones are made. ext4
    /// without a journal skips, on every inode it allocates, each inode freed in the last
    /// minutes whose table block is still dirty: 2,000 files made just after 2,000 removed
    /// cost it seconds of CPU in the mount's daemon.
    /// </summary>
    private static bool RoomToMakeFirst(RollbackPlan plan)
    {
        StatFsBuffer live;
        if (LibC.StatFs(plan.LiveRoot, &live) != 0)
            return false;
        var needed = plan.Create.Select(name => plan.Past[name]).Where(then => then.IsRegular).Sum(then => (long)then.Size);
        return (ulong)needed * 2 <= live.BlocksAvailable * (ulong)live.BlockSize;
    }

    /// <summary>Whether a live name to remove is, or is inside, a name the past one is made at.</summary>
    private static bool InTheWay(RollbackPlan plan, string name)
    {
        for (var path = name; ; path = path[..path.LastIndexOf('/')])
        {
            if (plan.Create.Contains(path))
                return true;
            if (!path.Contains('/', StringComparison.Ordinal))
                return false;
        }
    }

    private static void Remove(RollbackPlan plan, IEnumerable<string> names, CancellationToken cancellation)
    {
        foreach (var level in names.GroupBy(Depth).OrderByDescending(level => level.Key))
            RollbackWorkers.Run([.. level], name => Delete(plan, name), cancellation);
    }

    private static void Make(RollbackPlan plan, CancellationToken cancellation)
    {
        var firstNames = new Dictionary<ulong, string>();
        var links = new List<string>();
        foreach (var name in plan.Create)
        {
            if (plan.Past[name] is { IsRegular: true } then && !firstNames.TryAdd(then.Inode, name))
                links.Add(name);
        }
        // Names are made with their past permissions, so no chmod is journaled for them.
        var umask = LibC.Umask(0);
        try
        {
            foreach (var level in plan.Create.Except(links).GroupBy(Depth).OrderBy(level => level.Key))
                RollbackWorkers.Run([.. level], name => MakeOne(plan, name), cancellation);
            RollbackWorkers.Run(links, name => Link(plan, firstNames[plan.Past[name].Inode], name), cancellation);
        }
        finally
        {
            LibC.Umask(umask);
        }
    }

    private static int Depth(string name) => name.Length == 0 ? 0 : name.Count(c => c == '/') + 1;

    /// <summary>Removes a live name; a directory's contents are removed before it (deeper names come first), so only an emptied directory, or what was made in it meanwhile, is left.</summary>
    private static void Delete(RollbackPlan plan, string name)
    {
        var path = RollbackTree.Full(plan.LiveRoot, name);
        var isDirectory = plan.Live.TryGetValue(name, out var node) ? node.IsDirectory : RollbackTree.Read(path, name.Length == 0, readXattrs: false)?.IsDirectory;
        if (isDirectory is null)
            return;
        if (isDirectory == false && LibC.UnlinkAt(LibCConstants.AtFdCwd, path, 0) == 0)
            return;
        if (isDirectory == false && LibC.LastError() is var error && error != Errno.EISDIR)
        {
            if (error != Errno.ENOENT)
                throw new IOException($"cannot remove {path}: {error.Text}");
            return;
        }
        // Names made meanwhile inside it are removed too: the rollback puts back the past, in which this directory did not exist.
        foreach (var entry in Directory.EnumerateFileSystemEntries(path))
            Delete(plan, name.Length == 0 ? Path.GetFileName(entry) : $"{name}/{Path.GetFileName(entry)}");
        if (LibC.UnlinkAt(LibCConstants.AtFdCwd, path, LibCConstants.AtRemoveDir) != 0 && LibC.LastError() is var failed && failed != Errno.ENOENT)
            throw new IOException($"cannot remove {path}: {failed.Text}");
    }

    private static void MakeOne(RollbackPlan plan, string name)
    {
        var then = plan.Past[name];
        var path = RollbackTree.Full(plan.LiveRoot, name);
        int result;
        if (then.IsDirectory)
            result = LibC.MkdirAt(LibCConstants.AtFdCwd, path, then.Permissions);
        else if (then.IsSymlink)
            result = LibC.SymlinkAt(then.LinkTarget!, LibCConstants.AtFdCwd, path);
        else if (then.IsRegular)
        {
            Write(plan, name, LibCConstants.OCreat | LibCConstants.OExcl, then.Permissions);
            return;
        }
        else
            result = LibC.MknodAt(LibCConstants.AtFdCwd, path, then.Type | then.Permissions, then.Device);
        if (result != 0)
            throw new IOException($"cannot make {path}: {LibC.LastError().Text}");
    }

    /// <summary>
    /// Renames a live file back to its past name, then gives it the past's bytes where they
    /// differ, and its attributes. Compared and written through one read-write descriptor: a
    /// read-only open closed just before a writable one could still be open in the kernel (a
    /// FUSE release is sent after close returns), which would make the writable one a
    /// passthrough open whose writes the mount must find by comparing the file afterwards.
    /// </summary>
    private static void RenameBack(RollbackPlan plan, string from, string to, bool xattrsKept)
    {
        var then = plan.Past[to];
        var path = RollbackTree.Full(plan.LiveRoot, to);
        if (LibC.RenameAt2(LibCConstants.AtFdCwd, RollbackTree.Full(plan.LiveRoot, from), LibCConstants.AtFdCwd, path, LibCConstants.RenameNoReplace) != 0)
            throw new IOException($"cannot rename {RollbackTree.Full(plan.LiveRoot, from)} back to {path}: {LibC.LastError().Text}");
        var fd = LibC.Open(path, LibCConstants.ORdWr | LibCConstants.ONoFollow | LibCConstants.OCloExec);
        if (fd < 0)
            throw new IOException($"cannot write {path}: {LibC.LastError().Text}");
        using var live = new SafeFileHandle(fd, ownsHandle: true);
        using (var past = File.OpenHandle(RollbackTree.Full(plan.PastRoot, to), FileMode.Open, FileAccess.Read))
        {
            if (plan.Live[from].Size != then.Size || !RollbackPlan.SameBytes(past, live))
            {
                if (!AllData(past) && LibC.FTruncate(fd, 0) != 0)
                    throw new IOException($"cannot truncate {path}: {LibC.LastError().Text}");
                CopyContent(past, live, path);
                if (plan.Live[from].Size > then.Size && LibC.FTruncate(fd, (long)then.Size) != 0)
                    throw new IOException($"cannot truncate {path}: {LibC.LastError().Text}");
            }
        }
        // Its owner and mode as the comparison read them (the rename keeps them, and a write clears no set-id bit it lacks); its xattrs the moment's unless the journal says otherwise.
        var known = xattrsKept && (then.Permissions & SetIdBits) == 0 && (plan.Live[from].Permissions & SetIdBits) == 0 ? plan.Live[from] with { Xattrs = then.Xattrs } : null;
        Finish(plan, to, fd, path, known);
    }

    /// <summary>Whether a file has no hole: its bytes written over another file's from offset 0 leave nothing of the other but what lies past its end.</summary>
    private static bool AllData(SafeFileHandle file)
    {
        var size = RandomAccess.GetLength(file);
        var fd = (int)file.DangerousGetHandle();
        return size == 0 || (LibC.LSeek(fd, 0, LibCConstants.SeekData) == 0 && LibC.LSeek(fd, 0, LibCConstants.SeekHole) == size);
    }

    private static void Link(RollbackPlan plan, string first, string name)
    {
        var path = RollbackTree.Full(plan.LiveRoot, name);
        if (LibC.LinkAt(LibCConstants.AtFdCwd, RollbackTree.Full(plan.LiveRoot, first), LibCConstants.AtFdCwd, path) != 0)
            throw new IOException($"cannot make {path}: {LibC.LastError().Text}");
    }

    /// <summary>A kept file cut to nothing as it is opened, then written as a new one is.</summary>
    private static void Rewrite(RollbackPlan plan, string name) => Write(plan, name, LibCConstants.OTrunc, 0);

    /// <summary>
    /// Gives the live file the past file's bytes (only its data extents written; sized by a
    /// truncate only where it ends in a hole) and then its owner, mode, xattrs and times, all
    /// through one descriptor: a new file costs a create, its writes and one times change.
    /// </summary>
    private static void Write(RollbackPlan plan, string name, int flags, uint permissions)
    {
        var then = plan.Past[name];
        var livePath = RollbackTree.Full(plan.LiveRoot, name);
        var fd = LibC.Open(livePath, LibCConstants.OWrOnly | LibCConstants.ONoFollow | LibCConstants.OCloExec | flags, permissions);
        if (fd < 0)
            throw new IOException($"cannot write {livePath}: {LibC.LastError().Text}");
        using var live = new SafeFileHandle(fd, ownsHandle: true);
        using (var past = File.OpenHandle(RollbackTree.Full(plan.PastRoot, name), FileMode.Open, FileAccess.Read))
            CopyContent(past, live, livePath);
        Finish(plan, name, fd, livePath, (flags & LibCConstants.OCreat) != 0 && MadeAsItWas(plan, name, then) ? then : null);
    }

    /// <summary>
    /// Gives the file open as <paramref name="fd"/> the past one's owner, mode, xattrs and
    /// times, and records its ctime then. Its owner, mode and xattrs are read back first
    /// unless <paramref name="known"/> already says what they are.
    /// </summary>
    private static void Finish(RollbackPlan plan, string name, int fd, string livePath, RollbackNode? known)
    {
        var then = plan.Past[name];
        var now = known ?? RollbackTree.Read(livePath, isRoot: false) ?? throw new IOException($"{livePath} is gone: it was removed while the rollback ran");
        var ownerChanged = now.Uid != then.Uid || now.Gid != then.Gid;
        if (ownerChanged)
            Check(LibC.FChownAt(fd, "", then.Uid, then.Gid, LibCConstants.AtEmptyPath), "set the owner of", livePath);
        if (ownerChanged || now.Permissions != then.Permissions)
            Check(LibC.FChmod(fd, then.Permissions), "set the mode of", livePath);
        SetXattrs(livePath, now, then);
        var times = stackalloc TimeSpec[2];
        times[0] = new TimeSpec { Seconds = then.AtimeSeconds, Nanoseconds = then.AtimeNanoseconds };
        times[1] = new TimeSpec { Seconds = then.MtimeSeconds, Nanoseconds = then.MtimeNanoseconds };
        Check(LibC.FUtimens(fd, times), "set the times of", livePath);
        StatxBuffer stat;
        Check(LibC.Statx(fd, "", LibCConstants.AtEmptyPath, LibCConstants.StatxBasicStats, &stat), "read", livePath);
        plan.Settled[name] = new RollbackCtime(stat.CtimeSeconds, stat.CtimeNanoseconds);
    }

    /// <summary>
    /// Whether a file just made (O_EXCL, umask 0) already has the past file's owner, mode and
    /// xattrs, so they need not be read back: it is owned by this process's user and group
    /// (its directory has no set-group-id bit to give it another group), its mode is the one it
    /// was made with (no set-id bit a write could clear), and it has no xattrs, as the past
    /// file had none (its directory has no default ACL to give it one).
    /// </summary>
    private static bool MadeAsItWas(RollbackPlan plan, string name, RollbackNode then)
    {
        var parentName = name.LastIndexOf('/') is var slash and >= 0 ? name[..slash] : "";
        var parent = plan.Live.TryGetValue(parentName, out var kept) && kept.Xattrs is not null ? kept : plan.Past[parentName];
        return then.Uid == LibC.GetEuid() && then.Gid == LibC.GetEgid() && (then.Permissions & SetIdBits) == 0 && (parent.Mode & SetGroupId) == 0
            && then.Xattrs!.Count == 0 && !parent.Xattrs!.ContainsKey(DefaultAcl);
    }

    private const uint SetIdBits = 0xC00;

    private const uint SetGroupId = 0x400;

    private const string DefaultAcl = "system.posix_acl_default";

    /// <summary>Writes the past file's data extents into the empty live file, and sizes it where it ends in a hole.</summary>
    private static void CopyContent(SafeFileHandle past, SafeFileHandle live, string livePath)
    {
        var size = RandomAccess.GetLength(past);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBuffer);
        try
        {
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
                    var read = RandomAccess.Read(past, buffer.AsSpan(0, (int)Math.Min(CopyBuffer, hole - at)), at);
                    if (read == 0)
                        break;
                    RandomAccess.Write(live, buffer.AsSpan(0, read), at);
                    at += read;
                }
                offset = hole;
            }
            if (offset < size && LibC.FTruncate((int)live.DangerousGetHandle(), size) != 0)
                throw new IOException($"cannot size {livePath}: {LibC.LastError().Text}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void SetAttributes(RollbackPlan plan, string name)
    {
        var then = plan.Past[name];
        var path = RollbackTree.Full(plan.LiveRoot, name);
        var now = RollbackTree.Read(path, name.Length == 0) ?? throw new IOException($"{path} is gone: it was removed while the rollback ran");
        if (now.Uid != then.Uid || now.Gid != then.Gid)
            Check(LibC.FChownAt(LibCConstants.AtFdCwd, path, then.Uid, then.Gid, LibCConstants.AtSymlinkNoFollow), "set the owner of", path);
        if (!then.IsSymlink && (now.Permissions != then.Permissions || now.Uid != then.Uid || now.Gid != then.Gid))
            Check(LibC.FChmodAt(LibCConstants.AtFdCwd, path, then.Permissions, 0), "set the mode of", path);
        SetXattrs(path, now, then);
        if (!now.SameMtime(then))
        {
            var times = stackalloc TimeSpec[2];
            times[0] = new TimeSpec { Seconds = then.AtimeSeconds, Nanoseconds = then.AtimeNanoseconds };
            times[1] = new TimeSpec { Seconds = then.MtimeSeconds, Nanoseconds = then.MtimeNanoseconds };
            Check(LibC.UtimensAt(LibCConstants.AtFdCwd, path, times, LibCConstants.AtSymlinkNoFollow), "set the times of", path);
        }
        if (RollbackTree.Read(path, name.Length == 0, readXattrs: false) is { } set)
            plan.Settled[name] = set.Ctime;
    }

    /// <summary>Makes the live name's xattrs exactly the past set (<paramref name="now"/>'s read).</summary>
    private static void SetXattrs(string path, RollbackNode now, RollbackNode then)
    {
        if (now.SameXattrs(then))
            return;
        foreach (var name in now.Xattrs!.Keys.Where(name => !then.Xattrs!.ContainsKey(name)))
            Check(LibC.RemoveXattr(path, name, followSymlink: false), $"remove the xattr {name} of", path);
        foreach (var (name, value) in then.Xattrs!.Where(pair => !now.Xattrs.TryGetValue(pair.Key, out var v) || !v.AsSpan().SequenceEqual(pair.Value)))
            Check(LibC.SetXattr(path, name, value, 0, followSymlink: false), $"set the xattr {name} of", path);
    }

    private static void Check(int result, string what, string path)
    {
        if (result != 0)
            throw new IOException($"cannot {what} {path}: {LibC.LastError().Text}");
    }
}
