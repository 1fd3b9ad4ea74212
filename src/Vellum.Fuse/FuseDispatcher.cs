using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Vellum.Fuse.Native;
using Vellum.Fuse.Protocol;

namespace Vellum.Fuse;

/// <summary>
/// Decodes one request, calls the filesystem and writes the reply (one write(2), the payload
/// built in the reader's reply buffer after the 16-byte header).
/// </summary>
internal sealed unsafe partial class FuseDispatcher
{
    private static readonly int InHeaderSize = Unsafe.SizeOf<FuseInHeader>();
    private static readonly int OutHeaderSize = Unsafe.SizeOf<FuseOutHeader>();

    private readonly FuseSession _session;
    private readonly IFuseFileSystem _fs;
    private readonly FuseMountOptions _options;
    private readonly FuseTimeouts _timeouts;
    private readonly EioReport _eio;
    private int _initDone;
    private int _setxattrInSize = FuseProtocol.CompatSetxattrInSize;
    private int _destroyed;

    public FuseDispatcher(FuseSession session, IFuseFileSystem fileSystem, FuseMountOptions options)
    {
        _session = session;
        _fs = fileSystem;
        _options = options;
        _timeouts = new FuseTimeouts(options.EntryTimeout, options.AttrTimeout);
        _eio = new EioReport(fileSystem, options.Logger);
    }

    /// <summary>Serves one request; false when the session is over (DESTROY).</summary>
    public bool Handle(FuseReader reader, ReadOnlySpan<byte> request)
    {
        if (request.Length < InHeaderSize)
        {
            return true;
        }

        var header = MemoryMarshal.Read<FuseInHeader>(request);
        var end = Math.Min(request.Length, (int)header.Len) - header.TotalExtLen * 8;
        var body = end >= InHeaderSize ? request[InHeaderSize..end] : [];
        var opcode = (FuseOpcode)header.Opcode;
        var context = reader.Context;
        context.Begin(opcode, header.Unique, header.NodeId, header.Uid, header.Gid, header.Pid);
        try
        {
            if (opcode == FuseOpcode.Init)
            {
                HandleInit(reader, header.Unique, body);
                return true;
            }

            if (Volatile.Read(ref _initDone) == 0)
            {
                ReplyError(reader, header.Unique, Errno.EIO);
                return true;
            }

            if (_session.Refusing && opcode is not (FuseOpcode.Forget or FuseOpcode.BatchForget or FuseOpcode.Interrupt or FuseOpcode.Destroy))
            {
                ReplyError(reader, header.Unique, Errno.ENOTCONN);
                return true;
            }

            switch (opcode)
            {
                case FuseOpcode.Forget:
                    if (TryRead<FuseForgetIn>(body, out var forget))
                    {
                        _fs.Forget(header.NodeId, forget.NLookup);
                    }

                    return true;
                case FuseOpcode.BatchForget:
                    BatchForget(body);
                    return true;
                case FuseOpcode.Interrupt:
                    // Not found: its reader has not published it yet (or it is done). EAGAIN makes
                    // the kernel queue the INTERRUPT again while the request is still pending.
                    if (TryRead<FuseInterruptIn>(body, out var interrupt) && !_session.Interrupt(interrupt.Unique))
                    {
                        ReplyError(reader, header.Unique, Errno.EAGAIN);
                    }

                    return true;
                case FuseOpcode.Destroy:
                    if (Interlocked.Exchange(ref _destroyed, 1) == 0)
                    {
                        _fs.Destroy();
                    }

                    ReplyOk(reader, header.Unique, 0);
                    return false;
                default:
                    Serve(reader, opcode, header.Unique, header.NodeId, body);
                    return true;
            }
        }
#pragma warning disable CA1031 // A filesystem bug must not kill the reader; the caller gets EIO.
        catch (Exception failure)
#pragma warning restore CA1031
        {
            _eio.Failed(opcode, header.NodeId, failure);
            ReplyError(reader, header.Unique, Errno.EIO);
            return true;
        }
        finally
        {
            context.End();
        }
    }

    private void Serve(FuseReader reader, FuseOpcode opcode, ulong unique, ulong node, ReadOnlySpan<byte> body)
    {
        var context = reader.Context;
        var payload = reader.Reply[OutHeaderSize..];
        int error;
        var length = 0;
        switch (opcode)
        {
            case FuseOpcode.Lookup:
                error = TakeName(ref body, out var name) ? _fs.Lookup(context, node, name, out var entry) : Invalid(out entry);
                length = WriteEntry(payload, error, entry);
                break;
            case FuseOpcode.GetAttr:
                error = GetAttr(context, node, body, out var attr);
                length = WriteAttr(payload, error, attr);
                break;
            case FuseOpcode.SetAttr:
                error = SetAttr(context, node, body, out attr);
                length = WriteAttr(payload, error, attr);
                break;
            case FuseOpcode.ReadLink:
                error = _fs.ReadLink(context, node, payload[..Math.Min(payload.Length, 4096)], out length);
                break;
            case FuseOpcode.Symlink:
                error = Symlink(context, node, body, out entry);
                length = WriteEntry(payload, error, entry);
                break;
            case FuseOpcode.MkNod:
                error = MkNod(context, node, body, out entry);
                length = WriteEntry(payload, error, entry);
                break;
            case FuseOpcode.MkDir:
                error = MkDir(context, node, body, out entry);
                length = WriteEntry(payload, error, entry);
                break;
            case FuseOpcode.Unlink:
                error = TakeName(ref body, out name) ? _fs.Unlink(context, node, name) : Errno.EINVAL;
                break;
            case FuseOpcode.RmDir:
                error = TakeName(ref body, out name) ? _fs.RmDir(context, node, name) : Errno.EINVAL;
                break;
            case FuseOpcode.Rename:
                error = Rename(context, node, body, extended: false);
                break;
            case FuseOpcode.Rename2:
                error = Rename(context, node, body, extended: true);
                break;
            case FuseOpcode.Link:
                error = Link(context, node, body, out entry);
                length = WriteEntry(payload, error, entry);
                break;
            case FuseOpcode.StatFs:
                error = _fs.StatFs(context, node, out var statFs);
                length = error == 0 ? WriteStatFs(payload, statFs) : 0;
                break;
            case FuseOpcode.Access:
                error = TryRead<FuseAccessIn>(body, out var access) ? _fs.Access(context, node, (int)access.Mask) : Errno.EINVAL;
                break;
            default:
                error = ServeFile(reader, opcode, node, body, payload, out length);
                break;
        }

        if (error == Errno.EIO)
        {
            _eio.Answered(opcode, node);
        }
        if (error != 0)
        {
            ReplyError(reader, unique, error);
        }
        else
        {
            ReplyOk(reader, unique, length);
        }
    }

    private void HandleInit(FuseReader reader, ulong unique, ReadOnlySpan<byte> body)
    {
        // Before 7.36 the kernel sends only the first 16 bytes; the rest reads as zero.
        Span<byte> padded = stackalloc byte[Unsafe.SizeOf<FuseInitIn>()];
        padded.Clear();
        body[..Math.Min(body.Length, padded.Length)].CopyTo(padded);
        var request = MemoryMarshal.Read<FuseInitIn>(padded);
        if (request.Major < FuseProtocol.KernelVersion)
        {
            ReplyError(reader, unique, Errno.EPROTO);
            return;
        }

        var reply = FuseInit.Negotiate(request, _options.EnablePassthrough, _options.PosixAcl, _session.MaxWrite, Environment.SystemPageSize, out var size);
        var payload = reader.Reply[OutHeaderSize..];
        MemoryMarshal.Write(payload, in reply);
        var initialized = request.Major == FuseProtocol.KernelVersion;
        var granted = (FuseInitFlags)reply.Flags | (FuseInitFlags)((ulong)reply.Flags2 << 32);
        if (initialized)
        {
            if ((granted & FuseInitFlags.SetxattrExt) != 0)
            {
                _setxattrInSize = Unsafe.SizeOf<FuseSetxattrIn>();
            }

            // Before the reply: the kernel sends the next requests as soon as it has it,
            // and another reader thread must not answer them EIO as if INIT had not happened.
            Volatile.Write(ref _initDone, 1);
        }

        ReplyOk(reader, unique, size);
        if (initialized)
        {
            _session.Initialized(new Version((int)request.Major, (int)request.Minor), reply.Major, reply.Minor, (granted & FuseInitFlags.Passthrough) != 0);
        }
    }

    private void BatchForget(ReadOnlySpan<byte> body)
    {
        if (!TryRead<FuseBatchForgetIn>(body, out var batch))
        {
            return;
        }

        var items = body[Unsafe.SizeOf<FuseBatchForgetIn>()..];
        var one = Unsafe.SizeOf<FuseForgetOne>();
        for (var i = 0; i < batch.Count && (i + 1) * one <= items.Length; i++)
        {
            var forget = MemoryMarshal.Read<FuseForgetOne>(items[(i * one)..]);
            _fs.Forget(forget.NodeId, forget.NLookup);
        }
    }

    private void ReplyOk(FuseReader reader, ulong unique, int payloadLength) => Send(reader, unique, 0, payloadLength);

    private void ReplyError(FuseReader reader, ulong unique, int errno) => Send(reader, unique, -Math.Abs(errno), 0);

    private void Send(FuseReader reader, ulong unique, int error, int payloadLength)
    {
        var header = new FuseOutHeader { Len = (uint)(OutHeaderSize + payloadLength), Error = error, Unique = unique };
        MemoryMarshal.Write(reader.Reply, in header);
        // A failed write means the request is gone (ENOENT: interrupted) or the connection is
        // (ENODEV): neither leaves anything to do here; the next read reports the latter.
        _ = LibC.Write(_session.DeviceFd, reader.ReplyPointer, (nint)header.Len);
    }

    private static bool TryRead<T>(ReadOnlySpan<byte> body, out T value)
        where T : unmanaged
    {
        if (body.Length < Unsafe.SizeOf<T>())
        {
            value = default;
            return false;
        }

        value = MemoryMarshal.Read<T>(body);
        return true;
    }

    /// <summary>Takes a NUL-terminated name off the front of <paramref name="body"/>.</summary>
    private static bool TakeName(ref ReadOnlySpan<byte> body, out ReadOnlySpan<byte> name)
    {
        var end = body.IndexOf((byte)0);
        if (end < 0)
        {
            name = default;
            return false;
        }

        name = body[..end];
        body = body[(end + 1)..];
        return true;
    }

    private static int Invalid<T>(out T value)
        where T : struct
    {
        value = default;
        return Errno.EINVAL;
    }
}
