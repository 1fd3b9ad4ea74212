using System.Text;
using Vellum.Native;
using Vellum.Passthrough.Handles;
using Vellum.Passthrough.Inodes;
using Vellum.Passthrough.Interop;

namespace Vellum.Passthrough;

/// <summary>
/// A backing directory served as a filesystem, operation by operation, in the shape of the
/// FUSE low-level protocol but without any FUSE code: nodes are ids (root = 1) carrying
/// kernel lookup references, open files and directories are handle ids, and every
/// operation returns the errno the backing syscall gave. Every call goes through *at()
/// syscalls relative to the nodes' O_PATH descriptors (reopened by file handle when the
/// descriptor limit closed them), so renaming an ancestor never breaks a node or an open
/// handle.
/// </summary>
/// <remarks>
/// Permission checks are the kernel's (the mount uses default_permissions): the daemon
/// runs as root and performs what the kernel already allowed, then gives new objects the
/// caller's ownership (see <see cref="CreationOwnership"/>). Unknown node ids give ESTALE
/// and unknown handle ids EBADF. Thread-safe; modifying operations go through the
/// <see cref="IChangeRecorder"/> given at construction.
/// </remarks>
public sealed unsafe partial class PassthroughFileSystem : IDisposable
{
    /// <summary>The root node's id, as FUSE requires.</summary>
    public const ulong RootId = InodeTable.RootId;

    private readonly InodeTable _nodes;
    private readonly HandleTable<OpenFile> _files = new();
    private readonly HandleTable<OpenDirectory> _directories = new();
    private readonly IChangeRecorder? _recorder;
    private readonly CreationOwnership _ownership;

    /// <summary>
    /// Serves <paramref name="backingDirectory"/>. Clears the process umask: the caller's
    /// umask arrives with each request, and the daemon's own must not mask it again.
    /// </summary>
    /// <param name="recorder">Sees every change; null records nothing and takes no change locks.</param>
    /// <param name="nodeDescriptorLimit">
    /// How many nodes keep an open O_PATH descriptor at most (the others are reopened by file
    /// handle when next used); 0 takes half the process's descriptor limit.
    /// </param>
    public PassthroughFileSystem(string backingDirectory, IChangeRecorder? recorder = null, int nodeDescriptorLimit = 0)
    {
        var path = Encoding.UTF8.GetBytes(backingDirectory + "\0");
        int fd;
        fixed (byte* p = path)
        {
            fd = LibC.OpenAt(LibCConstants.AtFdCwd, p, LibCConstants.OPath | LibCConstants.ODirectory | LibCConstants.OCloExec, 0);
        }
        if (fd < 0)
        {
            throw new IOException($"cannot open the backing directory {backingDirectory}: errno {LibC.LastError()}");
        }
        var error = BackingStat.Of(fd, out var stat);
        if (error != Errno.Success)
        {
            LibC.Close(fd);
            throw new IOException($"cannot stat the backing directory {backingDirectory}: errno {error}");
        }
        LibC.Umask(0);
        _nodes = new InodeTable(fd, stat.Dev, stat.Ino, nodeDescriptorLimit > 0 ? nodeDescriptorLimit : InodeTable.DefaultDescriptorLimit());
        _recorder = recorder;
        _ownership = new CreationOwnership(LibC.GetEuid(), LibC.GetEgid());
    }

    /// <summary>Nodes currently held, the root included.</summary>
    public int NodeCount => _nodes.Count;

    /// <summary>
    /// The most node descriptors held open at once (beyond those in use or on another
    /// mount); 0 when nodes cannot be reopened by file handle (no CAP_DAC_READ_SEARCH, or a
    /// backing filesystem without handles) and every node keeps its descriptor.
    /// </summary>
    public int NodeDescriptorLimit => _nodes.DescriptorLimit;

    /// <summary>Node descriptors open now that the limit counts.</summary>
    public int OpenNodeDescriptors => _nodes.ResidentCount;

    /// <summary>Open file and directory handles.</summary>
    public int HandleCount => _files.Count + _directories.Count;

    /// <summary>Looks <paramref name="name"/> up in <paramref name="parent"/>; success adds one lookup reference to the returned node.</summary>
    public Errno Lookup(ulong parent, ReadOnlySpan<byte> name, out NodeEntry entry)
    {
        entry = default;
        using var directory = _nodes.Acquire(parent);
        if (!directory.IsValid)
        {
            return directory.Error;
        }
        Span<byte> native = stackalloc byte[NativeName.ComponentBufferSize];
        var error = NativeName.Component(name, native);
        if (error != Errno.Success)
        {
            return error;
        }
        fixed (byte* p = native)
        {
            return LookupAt(in directory, p, out entry);
        }
    }

    /// <summary>Drops <paramref name="count"/> lookup references (FORGET); the node's descriptor closes at zero.</summary>
    public void Forget(ulong node, ulong count) => _nodes.Forget(node, count);

    public Errno GetAttr(ulong node, out NodeStat stat)
    {
        using var n = _nodes.Acquire(node);
        if (!n.IsValid)
        {
            stat = default;
            return n.Error;
        }
        return BackingStat.Of(n.Fd, out stat);
    }

    public void Dispose()
    {
        EndAllMappedWrites();
        foreach (var file in _files.Values)
        {
            file.Close();
        }
        foreach (var directory in _directories.Values)
        {
            directory.Close();
        }
        _nodes.Dispose();
    }

    private Errno LookupAt(in NodeLease directory, byte* name, out NodeEntry entry)
    {
        var fd = LibC.OpenAt(directory.Fd, name, LibCConstants.OPath | LibCConstants.ONoFollow | LibCConstants.OCloExec, 0);
        if (fd < 0)
        {
            entry = default;
            return LibC.LastError();
        }
        var error = Adopt(fd, out entry, out var node);
        if (error == Errno.Success && _recorder is not null && !entry.Attributes.IsDirectory)
        {
            _nodes.NoteAlias(node!, directory.Id, System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name));
        }
        return error;
    }

    /// <summary>Makes an O_PATH descriptor a node (or a new reference to the node its inode already has).</summary>
    private Errno Adopt(int pathFd, out NodeEntry entry) => Adopt(pathFd, out entry, out _);

    private Errno Adopt(int pathFd, out NodeEntry entry, out Node? node)
    {
        var error = BackingStat.Of(pathFd, out var stat);
        if (error != Errno.Success)
        {
            LibC.Close(pathFd);
            entry = default;
            node = null;
            return error;
        }
        node = _nodes.Intern(pathFd, stat.Dev, stat.Ino, stat.Mode & LibCConstants.SIfMt);
        entry = new NodeEntry(node.Id, 0, stat);
        return Errno.Success;
    }

    /// <summary>Reopens a node through /proc with real access; the descriptor is the caller's to close.</summary>
    private static int Reopen(in NodeLease node, int flags)
    {
        Span<byte> path = stackalloc byte[ProcFdPath.BufferSize];
        ProcFdPath.Format(node.Fd, path);
        fixed (byte* p = path)
        {
            return LibC.OpenAt(LibCConstants.AtFdCwd, p, flags | LibCConstants.OCloExec, 0);
        }
    }

    private static Errno Check(int result) => result == 0 ? Errno.Success : LibC.LastError();
}
