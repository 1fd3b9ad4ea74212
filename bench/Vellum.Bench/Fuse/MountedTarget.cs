namespace Vellum.Bench.Fuse;

/// <summary>
/// One way of reaching the backing directory: the directory itself or a mount over it.
/// Workloads run in <see cref="WorkPath"/> between <see cref="Mount"/> and <see cref="Unmount"/>.
/// </summary>
internal abstract class MountedTarget
{
    /// <summary>Figure prefix and ratio suffix: native, bindfs, overlayfs, vellum.</summary>
    public abstract string Name { get; }

    /// <summary>How the target is mounted, printed once so a run can be reproduced by hand.</summary>
    public abstract string Description { get; }

    public abstract string WorkPath { get; }

    /// <summary>Why the target cannot run on this machine (a tool missing), or null.</summary>
    public abstract string? Unavailable();

    /// <summary>Mounts and waits until the kernel shows the mount; throws <see cref="MountUnavailableException"/> if it never comes.</summary>
    public abstract void Mount();

    /// <summary>Idempotent; also called from the signal handler.</summary>
    public abstract void Unmount();
}

internal sealed class MountUnavailableException(string message) : Exception(message);
