using System.Text;
using System.Text.RegularExpressions;
using Vellum.Native;

namespace Vellum.Mirror;

/// <summary>
/// A directory beside a replica (".NAME.vellum-verify-PID", ".NAME.vellum-rebuild-PID") for a
/// fresh replay of its journal: on the replica's filesystem, so that holes compare alike and
/// a rebuilt tree can take the replica's place in one rename. A verify's root gets the replica
/// root's mode, owner and mtime, which the journal may never set; a rebuild's is a new
/// replica's root, 0700 until the journal gives it the source root's. A scratch directory is locked
/// by the runner replaying into it; one left by a killed verify or rebuild has a free lock
/// and is removed by the next one.
/// </summary>
internal sealed unsafe class ReplicaScratch : IDisposable
{
    private const string Marker = ".vellum-";

    private readonly int _parentFd;
    private readonly byte[] _name;
    private readonly byte[] _replicaName;

    private ReplicaScratch(int parentFd, string path, byte[] name, byte[] replicaName)
    {
        _parentFd = parentFd;
        Path = path;
        _name = name;
        _replicaName = replicaName;
    }

    public string Path { get; }

    /// <summary>Whether the scratch directory is on the replica's filesystem, so that both report holes alike.</summary>
    public bool SameFilesystem { get; private init; }

    /// <summary>
    /// Makes the scratch directory for <paramref name="purpose"/> ("verify", "rebuild") beside
    /// <paramref name="replica"/>: for a tree that takes the replica's place (<paramref name="forSwap"/>)
    /// a new replica's root, otherwise one with the replica root's mode, owner and times.
    /// </summary>
    /// <exception cref="MirrorException">The directory beside the replica cannot be made, or (<paramref name="forSwap"/>) is on another filesystem than the replica, which a rename cannot cross.</exception>
    public static ReplicaScratch Create(ReplicaRoot replica, string purpose, bool forSwap)
    {
        var full = System.IO.Path.TrimEndingDirectorySeparator(replica.Path);
        var parent = System.IO.Path.GetDirectoryName(full) ?? throw new MirrorException($"the replica {replica.Path} is the root directory; verify and rebuild need a directory beside it");
        var replicaName = System.IO.Path.GetFileName(full);
        var parentFd = LibC.Open(parent, LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.OCloExec);
        if (parentFd < 0)
            throw new MirrorException($"cannot open {parent}, the directory holding the replica: {LibC.LastError().Text}");
        try
        {
            var sameFilesystem = Device(parentFd) == Device(replica.Descriptor);
            if (forSwap && !sameFilesystem)
                throw new MirrorException($"the replica {replica.Path} is a mount point (on another filesystem than {parent}): a rebuild replays beside it and renames, which cannot cross filesystems; mirror into an empty directory on it instead");
            RemoveStale(parentFd, replicaName);
            var name = $".{replicaName}{Marker}{purpose}-{Environment.ProcessId}";
            var scratch = new ReplicaScratch(parentFd, System.IO.Path.Combine(parent, name), Terminated(name), Terminated(replicaName)) { SameFilesystem = sameFilesystem };
            scratch.Make(replica, takeReplicaRoot: !forSwap);
            return scratch;
        }
        catch
        {
            LibC.Close(parentFd);
            throw;
        }
    }

    /// <summary>
    /// Exchanges the scratch tree and the replica in one renameat2(RENAME_EXCHANGE), made
    /// durable: the replica's path holds either the old tree or the new one, never neither.
    /// The old one is then at the scratch's name, removed on disposal.
    /// </summary>
    public void SwapWithReplica()
    {
        int result;
        fixed (byte* scratch = _name, replica = _replicaName)
            result = LibC.RenameAt2(_parentFd, scratch, _parentFd, replica, LibCConstants.RenameExchange);
        if (result != 0)
            throw new MirrorException($"cannot put the rebuilt tree {Path} in the replica's place: renameat2: {LibC.LastError().Text}");
        if (LibC.FSync(_parentFd) != 0)
            throw new MirrorException($"cannot make the exchange of {Path} and the replica durable: fsync: {LibC.LastError().Text}");
    }

    /// <summary>Removes what is at the scratch's name (the replay, or after a swap the old replica).</summary>
    public void Dispose()
    {
        ReplicaTree.Remove(_parentFd, _name);
        LibC.Close(_parentFd);
    }

    private void Make(ReplicaRoot replica, bool takeReplicaRoot)
    {
        StatxBuffer stat;
        if (LibC.Statx(replica.Descriptor, "", LibCConstants.AtEmptyPath, LibCConstants.StatxBasicStats, &stat) != 0)
            throw new MirrorException($"cannot read the replica {replica.Path}: {LibC.LastError().Text}");
        var times = stackalloc TimeSpec[2];
        times[0] = new TimeSpec { Seconds = stat.AtimeSeconds, Nanoseconds = stat.AtimeNanoseconds };
        times[1] = new TimeSpec { Seconds = stat.MtimeSeconds, Nanoseconds = stat.MtimeNanoseconds };
        fixed (byte* name = _name)
        {
            // 0700 until it gets the replica root's mode, or (a rebuild's) the journal's.
            if (LibC.MkdirAt(_parentFd, name, ExactDirectory.Private) != 0)
                throw new MirrorException($"cannot make {Path} beside the replica: {LibC.LastError().Text}");
            if (!takeReplicaRoot)
                return;
            if (LibC.FChownAt(_parentFd, name, stat.Uid, stat.Gid, LibCConstants.AtSymlinkNoFollow) != 0
                || LibC.FChmodAt(_parentFd, name, stat.Mode & 0xFFFu, 0) != 0
                || LibC.UtimensAt(_parentFd, name, times, LibCConstants.AtSymlinkNoFollow) != 0)
                throw new MirrorException($"cannot give {Path} the replica root's owner, mode and times: {LibC.LastError().Text}");
        }
    }

    /// <summary>Removes scratch directories of this replica whose lock is free: left by a verify or rebuild that was killed.</summary>
    private static void RemoveStale(int parentFd, string replicaName)
    {
        var pattern = new Regex($"^\\.{Regex.Escape(replicaName)}{Regex.Escape(Marker)}(verify|rebuild)-[0-9]+$", RegexOptions.CultureInvariant);
        foreach (var name in ScratchNames(parentFd, pattern))
        {
            int fd;
            fixed (byte* p = name)
                fd = LibC.OpenAt(parentFd, p, LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.ONoFollow | LibCConstants.OCloExec, 0);
            if (fd < 0)
                continue;
            bool free;
            try
            {
                free = ReplicaLock.IsFree(fd);
            }
            finally
            {
                LibC.Close(fd);
            }
            if (free)
                ReplicaTree.Remove(parentFd, name);
        }
    }

    private static IEnumerable<byte[]> ScratchNames(int parentFd, Regex pattern)
    {
        var listing = LibC.OpenAt(parentFd, ".", LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.OCloExec);
        if (listing < 0)
            return [];
        try
        {
            DirectoryListing.Read(listing, out var names);
            return names.Where(name => pattern.IsMatch(Encoding.UTF8.GetString(name.AsSpan(0, name.Length - 1)))).ToList();
        }
        finally
        {
            LibC.Close(listing);
        }
    }

    private static (uint, uint) Device(int fd)
    {
        StatxBuffer stat;
        if (LibC.Statx(fd, "", LibCConstants.AtEmptyPath, LibCConstants.StatxBasicStats, &stat) != 0)
            throw new MirrorException($"cannot read the replica's directory: {LibC.LastError().Text}");
        return (stat.DevMajor, stat.DevMinor);
    }

    private static byte[] Terminated(string name) => [.. Encoding.UTF8.GetBytes(name), 0];
}
