namespace Vellum.Fuse.Protocol;

/// <summary>Protocol-wide constants of the FUSE kernel interface.</summary>
internal static class FuseProtocol
{
    public const uint KernelVersion = 7;

    /// <summary>The newest minor this implementation understands; a bump needs every struct added since 7.45 checked.</summary>
    public const uint MaxMinorVersion = 45;

    /// <summary>Oldest minor whose INIT reply is the full <c>fuse_init_out</c> (older kernels take a compat size).</summary>
    public const uint FullInitOutMinor = 23;

    public const int MinReadBuffer = 8192;

    /// <summary><c>FUSE_GETATTR_FH</c>: getattr_in.fh is valid.</summary>
    public const uint GetAttrFh = 1;

    /// <summary><c>FUSE_FSYNC_FDATASYNC</c>.</summary>
    public const uint FsyncFdatasync = 1;

    /// <summary><c>FUSE_COMPAT_SETXATTR_IN_SIZE</c>: setxattr_in without the SETXATTR_EXT fields.</summary>
    public const int CompatSetxattrInSize = 8;

    /// <summary><c>_IOW(229, 1, struct fuse_backing_map)</c>.</summary>
    public const uint DevIocBackingOpen = (1u << 30) | (16u << 16) | (229u << 8) | 1;

    /// <summary><c>_IOW(229, 2, uint32_t)</c>.</summary>
    public const uint DevIocBackingClose = (1u << 30) | (4u << 16) | (229u << 8) | 2;
}
