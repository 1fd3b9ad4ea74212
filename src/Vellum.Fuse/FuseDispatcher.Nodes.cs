using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Vellum.Fuse.Protocol;
using Vellum.Native;

namespace Vellum.Fuse;

/// <summary>Requests about names and nodes: decoding their arguments and encoding entry, attribute and statfs replies.</summary>
internal sealed partial class FuseDispatcher
{
    private Errno GetAttr(FuseContext context, ulong node, ReadOnlySpan<byte> body, out FuseAttr attr)
    {
        ulong? handle = TryRead<FuseGetAttrIn>(body, out var request) && (request.GetAttrFlags & FuseProtocol.GetAttrFh) != 0
            ? request.Fh
            : null;
        return _fs.GetAttr(context, node, handle, out attr);
    }

    private Errno SetAttr(FuseContext context, ulong node, ReadOnlySpan<byte> body, out FuseAttr attr)
    {
        if (!TryRead<FuseSetAttrIn>(body, out var request))
        {
            return Invalid(out attr);
        }

        var changes = new FuseSetAttr
        {
            Fields = (FuseSetAttrFields)request.Valid,
            Handle = request.Fh,
            Size = request.Size,
            Mode = request.Mode,
            Uid = request.Uid,
            Gid = request.Gid,
            ATime = (long)request.Atime,
            ATimeNsec = request.AtimeNsec,
            MTime = (long)request.Mtime,
            MTimeNsec = request.MtimeNsec,
            CTime = (long)request.Ctime,
            CTimeNsec = request.CtimeNsec,
        };
        context.KillSuidGid = changes.Has(FuseSetAttrFields.KillSuidGid);
        return _fs.SetAttr(context, node, changes, out attr);
    }

    private Errno Symlink(FuseContext context, ulong parent, ReadOnlySpan<byte> body, out FuseEntry entry)
    {
        // The new name comes first, then the target.
        return TakeName(ref body, out var name) && TakeName(ref body, out var target)
            ? _fs.Symlink(context, parent, name, target, out entry)
            : Invalid(out entry);
    }

    private Errno MkNod(FuseContext context, ulong parent, ReadOnlySpan<byte> body, out FuseEntry entry)
    {
        if (!TryRead<FuseMknodIn>(body, out var request))
        {
            return Invalid(out entry);
        }

        body = body[Unsafe.SizeOf<FuseMknodIn>()..];
        context.Umask = request.Umask;
        return TakeName(ref body, out var name) ? _fs.MkNod(context, parent, name, request.Mode, request.Rdev, out entry) : Invalid(out entry);
    }

    private Errno MkDir(FuseContext context, ulong parent, ReadOnlySpan<byte> body, out FuseEntry entry)
    {
        if (!TryRead<FuseMkdirIn>(body, out var request))
        {
            return Invalid(out entry);
        }

        body = body[Unsafe.SizeOf<FuseMkdirIn>()..];
        context.Umask = request.Umask;
        return TakeName(ref body, out var name) ? _fs.MkDir(context, parent, name, request.Mode, out entry) : Invalid(out entry);
    }

    private Errno Rename(FuseContext context, ulong parent, ReadOnlySpan<byte> body, bool extended)
    {
        ulong newParent;
        uint flags = 0;
        if (extended)
        {
            if (!TryRead<FuseRename2In>(body, out var request))
            {
                return Errno.EINVAL;
            }

            (newParent, flags) = (request.NewDir, request.Flags);
            body = body[Unsafe.SizeOf<FuseRename2In>()..];
        }
        else
        {
            if (!TryRead<FuseRenameIn>(body, out var request))
            {
                return Errno.EINVAL;
            }

            newParent = request.NewDir;
            body = body[Unsafe.SizeOf<FuseRenameIn>()..];
        }

        return TakeName(ref body, out var name) && TakeName(ref body, out var newName)
            ? _fs.Rename(context, parent, name, newParent, newName, flags)
            : Errno.EINVAL;
    }

    private Errno Link(FuseContext context, ulong newParent, ReadOnlySpan<byte> body, out FuseEntry entry)
    {
        if (!TryRead<FuseLinkIn>(body, out var request))
        {
            return Invalid(out entry);
        }

        body = body[Unsafe.SizeOf<FuseLinkIn>()..];
        return TakeName(ref body, out var name) ? _fs.Link(context, request.OldNodeId, newParent, name, out entry) : Invalid(out entry);
    }

    private int WriteEntry(Span<byte> payload, Errno error, in FuseEntry entry)
    {
        if (error != Errno.Success)
        {
            return 0;
        }

        var reply = EntryOut(entry);
        MemoryMarshal.Write(payload, in reply);
        return Unsafe.SizeOf<FuseEntryOut>();
    }

    private FuseEntryOut EntryOut(in FuseEntry entry) => new()
    {
        NodeId = entry.NodeId,
        Generation = entry.Generation,
        EntryValid = (ulong)_timeouts.Entry.Seconds,
        EntryValidNsec = _timeouts.Entry.Nanoseconds,
        AttrValid = (ulong)_timeouts.Attr.Seconds,
        AttrValidNsec = _timeouts.Attr.Nanoseconds,
        Attr = entry.Attr,
    };

    private int WriteAttr(Span<byte> payload, Errno error, in FuseAttr attr)
    {
        if (error != Errno.Success)
        {
            return 0;
        }

        var reply = new FuseAttrOut
        {
            AttrValid = (ulong)_timeouts.Attr.Seconds,
            AttrValidNsec = _timeouts.Attr.Nanoseconds,
            Attr = attr,
        };
        MemoryMarshal.Write(payload, in reply);
        return Unsafe.SizeOf<FuseAttrOut>();
    }

    private static int WriteStatFs(Span<byte> payload, in FuseStatFs statFs)
    {
        var reply = new FuseKstatfs
        {
            Blocks = statFs.Blocks,
            Bfree = statFs.BlocksFree,
            Bavail = statFs.BlocksAvailable,
            Files = statFs.Files,
            Ffree = statFs.FilesFree,
            Bsize = statFs.BlockSize,
            NameLen = statFs.NameLength,
            Frsize = statFs.FragmentSize,
        };
        MemoryMarshal.Write(payload, in reply);
        return Unsafe.SizeOf<FuseKstatfs>();
    }
}
