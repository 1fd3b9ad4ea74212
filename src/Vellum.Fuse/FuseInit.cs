using Vellum.Fuse.Protocol;

namespace Vellum.Fuse;

/// <summary>The INIT handshake: what this side asks for given what the kernel offers.</summary>
internal static class FuseInit
{
    /// <summary>Features asked for whenever the kernel offers them.</summary>
    private const FuseInitFlags Wanted =
        FuseInitFlags.AsyncRead | FuseInitFlags.AtomicOTrunc | FuseInitFlags.BigWrites |
        FuseInitFlags.DoReaddirplus | FuseInitFlags.ReaddirplusAuto | FuseInitFlags.AsyncDio |
        FuseInitFlags.ParallelDirops | FuseInitFlags.MaxPages | FuseInitFlags.SetxattrExt |
        FuseInitFlags.InitExt | FuseInitFlags.HandleKillprivV2 | FuseInitFlags.DirectIoAllowMmap;

    /// <summary>Passthrough stacks on the backing filesystem: depth 1 allows a backing fs that is not itself stacked.</summary>
    private const uint PassthroughStackDepth = 1;

    /// <summary>
    /// POSIX ACLs: the kernel checks them (with default_permissions) and leaves the umask to
    /// the server, which must skip it under a directory with a default ACL.
    /// </summary>
    private const FuseInitFlags PosixAcls = FuseInitFlags.PosixAcl | FuseInitFlags.DontMask;

    public static FuseInitOut Negotiate(in FuseInitIn request, bool passthrough, bool posixAcl, int maxWrite, int pageSize, out int replySize)
    {
        var reply = new FuseInitOut { Major = FuseProtocol.KernelVersion, Minor = FuseProtocol.MaxMinorVersion };
        if (request.Major > FuseProtocol.KernelVersion)
        {
            // A newer major: answer with ours only and the kernel sends INIT again in our version.
            replySize = 8;
            return reply;
        }

        reply.Minor = Math.Min(request.Minor, FuseProtocol.MaxMinorVersion);
        var offered = (FuseInitFlags)request.Flags;
        if ((offered & FuseInitFlags.InitExt) != 0)
        {
            offered |= (FuseInitFlags)((ulong)request.Flags2 << 32);
        }

        var wanted = Wanted | (passthrough ? FuseInitFlags.Passthrough : FuseInitFlags.None) | (posixAcl ? PosixAcls : FuseInitFlags.None);
        var granted = offered & wanted;
        reply.MaxReadahead = request.MaxReadahead;
        reply.Flags = (uint)granted;
        reply.Flags2 = (uint)((ulong)granted >> 32);
        reply.MaxBackground = 64;
        reply.CongestionThreshold = 48;
        reply.MaxWrite = (uint)maxWrite;
        reply.TimeGran = 1;
        reply.MaxPages = (ushort)(maxWrite / pageSize);
        if ((granted & FuseInitFlags.Passthrough) != 0)
        {
            reply.MaxStackDepth = PassthroughStackDepth;
        }

        replySize = reply.Minor < 5 ? 8 : reply.Minor < FuseProtocol.FullInitOutMinor ? 24 : System.Runtime.CompilerServices.Unsafe.SizeOf<FuseInitOut>();
        return reply;
    }

    /// <summary>
    /// The largest write to ask for: the wish, in whole pages, within the kernel's
    /// max_pages_limit (256 pages where the file is missing: the limit of older kernels).
    /// </summary>
    public static int MaxWriteFor(int wish, int pageSize, string limitPath = "/proc/sys/fs/fuse/max_pages_limit")
    {
        var limit = 256;
        if (File.Exists(limitPath) && int.TryParse(File.ReadAllText(limitPath).Trim(), out var parsed) && parsed > 0)
        {
            limit = parsed;
        }

        var pages = Math.Clamp(wish / pageSize, 1, Math.Min(limit, ushort.MaxValue));
        return pages * pageSize;
    }
}
