using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Vellum.Fuse.Protocol;
using Vellum.Native;

namespace Vellum.Fuse;

/// <summary>Requests about open files, directories and extended attributes.</summary>
internal sealed partial class FuseDispatcher
{
    // FUSE_OPEN_KILL_SUIDGID in fuse_open_in.open_flags, FUSE_WRITE_KILL_SUIDGID in fuse_write_in.write_flags.
    private const uint OpenKillSuidGid = 1 << 0;
    private const uint WriteKillSuidGid = 1 << 2;

    private Errno ServeFile(FuseReader reader, FuseOpcode opcode, ulong node, ReadOnlySpan<byte> body, Span<byte> payload, out int length)
    {
        var context = reader.Context;
        length = 0;
        Errno error;
        switch (opcode)
        {
            case FuseOpcode.Open:
            case FuseOpcode.OpenDir:
                if (!TryRead<FuseOpenIn>(body, out var open))
                {
                    return Errno.EINVAL;
                }

                context.KillSuidGid = (open.OpenFlags & OpenKillSuidGid) != 0;
                error = opcode == FuseOpcode.Open
                    ? _fs.Open(context, node, (int)open.Flags, out var reply)
                    : _fs.OpenDir(context, node, (int)open.Flags, out reply);
                if (error == Errno.Success)
                {
                    length = WriteOpen(payload, reply);
                }

                return error;
            case FuseOpcode.Create:
                return Create(context, node, body, payload, out length);
            case FuseOpcode.Read:
                if (!TryRead<FuseReadIn>(body, out var read))
                {
                    return Errno.EINVAL;
                }

                error = _fs.Read(context, node, read.Fh, (long)read.Offset, payload[..Math.Min(payload.Length, (int)read.Size)], out length);
                return error;
            case FuseOpcode.Write:
                if (!TryRead<FuseWriteIn>(body, out var write))
                {
                    return Errno.EINVAL;
                }

                var data = body[Unsafe.SizeOf<FuseWriteIn>()..];
                data = data[..Math.Min(data.Length, (int)write.Size)];
                context.KillSuidGid = (write.WriteFlags & WriteKillSuidGid) != 0;
                error = _fs.Write(context, node, write.Fh, (long)write.Offset, data, (int)write.Flags, out var written);
                return error == Errno.Success ? WriteStruct(payload, new FuseWriteOut { Size = (uint)written }, out length) : error;
            case FuseOpcode.Flush:
                return TryRead<FuseFlushIn>(body, out var flush) ? _fs.Flush(context, node, flush.Fh, flush.LockOwner) : Errno.EINVAL;
            case FuseOpcode.Release:
                return TryRead<FuseReleaseIn>(body, out var release) ? _fs.Release(context, node, release.Fh, (int)release.Flags) : Errno.EINVAL;
            case FuseOpcode.ReleaseDir:
                return TryRead<FuseReleaseIn>(body, out release) ? _fs.ReleaseDir(context, node, release.Fh) : Errno.EINVAL;
            case FuseOpcode.Fsync:
                return TryRead<FuseFsyncIn>(body, out var fsync)
                    ? _fs.Fsync(context, node, fsync.Fh, (fsync.FsyncFlags & FuseProtocol.FsyncFdatasync) != 0)
                    : Errno.EINVAL;
            case FuseOpcode.FsyncDir:
                return TryRead<FuseFsyncIn>(body, out fsync)
                    ? _fs.FsyncDir(context, node, fsync.Fh, (fsync.FsyncFlags & FuseProtocol.FsyncFdatasync) != 0)
                    : Errno.EINVAL;
            case FuseOpcode.ReadDir:
            case FuseOpcode.ReadDirPlus:
                if (!TryRead<FuseReadIn>(body, out read))
                {
                    return Errno.EINVAL;
                }

                var entries = new FuseDirectoryWriter(payload[..Math.Min(payload.Length, (int)read.Size)], opcode == FuseOpcode.ReadDirPlus, _timeouts);
                error = _fs.ReadDir(context, node, read.Fh, (long)read.Offset, ref entries);
                length = error == Errno.Success ? entries.Length : 0;
                return error;
            case FuseOpcode.SetXattr:
                return SetXattr(context, node, body);
            case FuseOpcode.GetXattr:
                if (!TryRead<FuseGetxattrIn>(body, out var get))
                {
                    return Errno.EINVAL;
                }

                body = body[Unsafe.SizeOf<FuseGetxattrIn>()..];
                if (!TakeName(ref body, out var name))
                {
                    return Errno.EINVAL;
                }

                return SizedReply(payload, get.Size, _fs.GetXattr(context, node, name, Sized(payload, get.Size), out var size), size, out length);
            case FuseOpcode.ListXattr:
                if (!TryRead<FuseGetxattrIn>(body, out get))
                {
                    return Errno.EINVAL;
                }

                return SizedReply(payload, get.Size, _fs.ListXattr(context, node, Sized(payload, get.Size), out size), size, out length);
            case FuseOpcode.RemoveXattr:
                return TakeName(ref body, out name) ? _fs.RemoveXattr(context, node, name) : Errno.EINVAL;
            case FuseOpcode.Fallocate:
                return TryRead<FuseFallocateIn>(body, out var fallocate)
                    ? _fs.Fallocate(context, node, fallocate.Fh, (long)fallocate.Offset, (long)fallocate.Length, (int)fallocate.Mode)
                    : Errno.EINVAL;
            case FuseOpcode.Lseek:
                if (!TryRead<FuseLseekIn>(body, out var lseek))
                {
                    return Errno.EINVAL;
                }

                error = _fs.Lseek(context, node, lseek.Fh, (long)lseek.Offset, (int)lseek.Whence, out var position);
                return error == Errno.Success ? WriteStruct(payload, new FuseLseekOut { Offset = (ulong)position }, out length) : error;
            case FuseOpcode.CopyFileRange:
                if (!TryRead<FuseCopyFileRangeIn>(body, out var copy))
                {
                    return Errno.EINVAL;
                }

                error = _fs.CopyFileRange(context, node, copy.FhIn, (long)copy.OffIn, copy.NodeIdOut, copy.FhOut, (long)copy.OffOut, (long)copy.Len, copy.Flags, out var copied);
                // The 32-bit reply field: the kernel never asks for more than fits it.
                return error == Errno.Success ? WriteStruct(payload, new FuseWriteOut { Size = (uint)copied }, out length) : error;
            default:
                return Errno.ENOSYS;
        }
    }

    private Errno Create(FuseContext context, ulong parent, ReadOnlySpan<byte> body, Span<byte> payload, out int length)
    {
        length = 0;
        if (!TryRead<FuseCreateIn>(body, out var request))
        {
            return Errno.EINVAL;
        }

        body = body[Unsafe.SizeOf<FuseCreateIn>()..];
        if (!TakeName(ref body, out var name))
        {
            return Errno.EINVAL;
        }

        context.Umask = request.Umask;
        context.KillSuidGid = (request.OpenFlags & OpenKillSuidGid) != 0;
        var error = _fs.Create(context, parent, name, request.Mode, (int)request.Flags, out var entry, out var reply);
        if (error == Errno.Success)
        {
            length = WriteEntry(payload, Errno.Success, entry);
            length += WriteOpen(payload[length..], reply);
        }

        return error;
    }

    private Errno SetXattr(FuseContext context, ulong node, ReadOnlySpan<byte> body)
    {
        if (body.Length < _setxattrInSize)
        {
            return Errno.EINVAL;
        }

        // Only the first two words matter here; with SETXATTR_EXT the struct is 16 bytes long.
        var size = MemoryMarshal.Read<uint>(body);
        var flags = MemoryMarshal.Read<uint>(body[4..]);
        body = body[_setxattrInSize..];
        if (!TakeName(ref body, out var name) || body.Length < size)
        {
            return Errno.EINVAL;
        }

        return _fs.SetXattr(context, node, name, body[..(int)size], (int)flags);
    }

    private static int WriteOpen(Span<byte> payload, in FuseOpenReply reply)
    {
        var open = new FuseOpenOut { Fh = reply.Handle, OpenFlags = (uint)reply.Options, BackingId = reply.BackingId };
        MemoryMarshal.Write(payload, in open);
        return Unsafe.SizeOf<FuseOpenOut>();
    }

    private static Errno WriteStruct<T>(Span<byte> payload, T value, out int length)
        where T : unmanaged
    {
        MemoryMarshal.Write(payload, in value);
        length = Unsafe.SizeOf<T>();
        return Errno.Success;
    }

    /// <summary>The buffer for GETXATTR/LISTXATTR: empty when the kernel asks for the size only.</summary>
    private static Span<byte> Sized(Span<byte> payload, uint requested) =>
        requested == 0 ? [] : payload[..Math.Min(payload.Length, (int)Math.Min(requested, int.MaxValue))];

    private static Errno SizedReply(Span<byte> payload, uint requested, Errno error, int size, out int length)
    {
        length = 0;
        if (error != Errno.Success)
        {
            return error;
        }

        if (requested == 0)
        {
            return WriteStruct(payload, new FuseGetxattrOut { Size = (uint)size }, out length);
        }

        length = size;
        return Errno.Success;
    }
}
