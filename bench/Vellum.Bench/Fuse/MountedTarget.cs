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

/// <param name="cause">What went wrong, in the suite's words ("dotnet exited with code 1 before mounting").</param>
/// <param name="output">The child's last output lines, stdout and stderr together, if any.</param>
/// <param name="childError">The child's last stderr lines, if any: usually the reason in its own words.</param>
internal sealed class MountUnavailableException(string cause, string? output = null, string? childError = null)
    : Exception(output is null ? cause : $"{cause}: {output}")
{
    public string Cause { get; } = cause;

    public string? ChildError { get; } = childError;
}
