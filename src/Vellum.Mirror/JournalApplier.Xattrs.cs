using System.Text;
using Vellum.Journal.Operations;
using Vellum.Native;

namespace Vellum.Mirror;

/// <summary>A node's xattrs made exactly a given set: what a baseline's ATTRS establishes.</summary>
public sealed partial class JournalApplier
{
    /// <summary>
    /// Removes every xattr of <paramref name="path"/> the set lacks (first, so the filesystem's
    /// room for xattrs is free for the set), then sets each of the set. The node is reached
    /// through /proc/self/fd of an O_PATH | O_NOFOLLOW descriptor, so a symlink is the node
    /// itself. Linux refuses user.* xattrs on a symlink (EPERM): the source cannot have had
    /// any either, so that refusal is no difference.
    /// </summary>
    private unsafe void SetXattrsExactly(Step step, ulong id, int parentFd, ReplicaPath path, NodeInfo node, IReadOnlyList<ExtendedAttribute> xattrs)
    {
        int fd;
        fixed (byte* name = path.Name)
            fd = LibC.OpenAt(parentFd, name, LibCConstants.OPath | LibCConstants.ONoFollow | LibCConstants.OCloExec, 0);
        if (fd < 0)
            throw Failure(step, id, path, LibC.LastError());
        try
        {
            SetXattrsExactly(step, id, path.Text, fd, node.IsSymlink, xattrs, keep: null);
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>
    /// The xattrs of the node behind <paramref name="fd"/> made exactly <paramref name="xattrs"/>,
    /// except <paramref name="keep"/>, which is neither removed nor set (the replica root's
    /// position).
    /// </summary>
    private static unsafe void SetXattrsExactly(Step step, ulong id, string shown, int fd, bool isSymlink, IReadOnlyList<ExtendedAttribute> xattrs, byte[]? keep)
    {
        var wanted = xattrs.Where(xattr => xattr.Value is not null && (keep is null || !xattr.Name.AsSpan().SequenceEqual(keep))).ToList();
        fixed (byte* at = Encoding.ASCII.GetBytes($"/proc/self/fd/{fd}\0"))
        {
            var errno = ListXattrNames(at, out var present);
            if (errno == Errno.EOPNOTSUPP && wanted.Count == 0)
                return; // a filesystem without xattrs already holds exactly none
            if (errno != Errno.Success)
                throw new MirrorApplyException(id, step.Name, shown, errno);
            foreach (var name in present)
            {
                var bare = name[..^1];
                if ((keep is not null && bare.AsSpan().SequenceEqual(keep)) || wanted.Any(xattr => bare.AsSpan().SequenceEqual(xattr.Name)))
                    continue;
                int result;
                fixed (byte* n = name)
                    result = LibC.RemoveXattr(at, n);
                if (result != 0 && LibC.LastError() != Errno.ENODATA) // ENODATA: removed meanwhile
                    Refused(LibC.LastError());
            }
            foreach (var xattr in wanted)
            {
                byte[] name = [.. xattr.Name, 0];
                int result;
                fixed (byte* n = name)
                fixed (byte* v = xattr.Value)
                    result = LibC.SetXattr(at, n, v, (nuint)xattr.Value!.Length, 0);
                if (result != 0)
                    Refused(LibC.LastError());
            }
        }

        void Refused(Errno errno)
        {
            if (!(isSymlink && errno == Errno.EPERM))
                throw new MirrorApplyException(id, step.Name, shown, errno);
        }
    }

    /// <summary>The xattr names of the node at <paramref name="at"/>, each with its NUL.</summary>
    private static unsafe Errno ListXattrNames(byte* at, out List<byte[]> names)
    {
        names = [];
        var buffer = new byte[1024];
        while (true)
        {
            nint length;
            fixed (byte* list = buffer)
                length = LibC.ListXattr(at, list, (nuint)buffer.Length);
            if (length >= 0)
            {
                for (var start = 0; start < length;)
                {
                    var end = Array.IndexOf(buffer, (byte)0, start, (int)length - start);
                    names.Add(buffer[start..(end + 1)]);
                    start = end + 1;
                }
                return Errno.Success;
            }
            if (LibC.LastError() != Errno.ERANGE)
                return LibC.LastError();
            // The list grew since the buffer was sized: ask for its size now.
            var needed = LibC.ListXattr(at, null, 0);
            if (needed < 0)
                return LibC.LastError();
            buffer = new byte[Math.Max((int)needed, buffer.Length * 2)];
        }
    }
}
