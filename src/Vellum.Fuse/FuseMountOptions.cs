using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Vellum.Fuse;

/// <summary>How to mount: where, what to call it, and the protocol features to ask for.</summary>
public sealed class FuseMountOptions
{
    /// <summary>An empty directory; a stale FUSE mount left there by a dead process is cleared first.</summary>
    public required string MountPoint { get; init; }

    /// <summary>The mount's source as /proc/self/mountinfo shows it (Vellum: the backing directory).</summary>
    public string Source { get; init; } = "vellum";

    /// <summary>The subtype: the filesystem type becomes "fuse.&lt;subtype&gt;".</summary>
    public string Subtype { get; init; } = "vellum";

    /// <summary>Other users may use the mount (needs root, or user_allow_other for fusermount3).</summary>
    public bool AllowOther { get; init; } = true;

    /// <summary>The kernel checks permissions from the mode bits, like a native filesystem.</summary>
    public bool DefaultPermissions { get; init; } = true;

    public TimeSpan EntryTimeout { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan AttrTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Negotiate FUSE_PASSTHROUGH so opens can hand their I/O to a backing file (needs CAP_SYS_ADMIN).</summary>
    public bool EnablePassthrough { get; init; }

    /// <summary>
    /// Negotiate FUSE_POSIX_ACL and FUSE_DONT_MASK: the kernel enforces the POSIX ACLs it reads
    /// through GETXATTR, and creates arrive with the mode unmasked (the caller's umask beside
    /// it), for the file system to mask unless the parent has a default ACL.
    /// </summary>
    public bool PosixAcl { get; init; }

    /// <summary>The most reader threads on the device; another starts when none is idle.</summary>
    public int MaxReaders { get; init; } = 16;

    /// <summary>The largest READ/WRITE asked for; capped by /proc/sys/fs/fuse/max_pages_limit.</summary>
    public int MaxWrite { get; init; } = 1 << 20;

    /// <summary>Where the session says what went wrong: each EIO answered, with the operation, the node and why (see FuseLog).</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>How long <see cref="FuseMount.Mount"/> waits for the kernel's INIT.</summary>
    public TimeSpan InitTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
