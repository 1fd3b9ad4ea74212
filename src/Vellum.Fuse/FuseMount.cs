using System.Globalization;
using Vellum.Fuse.Native;

namespace Vellum.Fuse;

/// <summary>
/// A mounted filesystem: /dev/fuse opened, mounted (mount(2) as root, fusermount3 otherwise),
/// INIT answered and readers serving. Unmounts on <see cref="Dispose"/>, on
/// <see cref="RequestUnmount"/> and when the kernel side goes away. A command serves until
/// a signal with:
/// <code>
/// using var mount = FuseMount.Mount(fs, options);
/// using var stop = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; mount.RequestUnmount(); });
/// mount.Completion.Wait();
/// </code>
/// </summary>
public sealed class FuseMount : IDisposable
{
    private static readonly TimeSpan ReaderStopTimeout = TimeSpan.FromSeconds(5);

    private readonly bool _viaHelper;
    private int _unmounted;
    private int _disposed;

    private FuseMount(string mountPoint, int deviceFd, bool viaHelper, FuseSession session)
    {
        MountPoint = mountPoint;
        DeviceFd = deviceFd;
        _viaHelper = viaHelper;
        Session = session;
    }

    public string MountPoint { get; }

    public FuseSession Session { get; }

    /// <summary>Completes when the session has ended (unmounted, or the kernel side went away).</summary>
    public Task Completion => Session.Completion;

    internal int DeviceFd { get; }

    /// <summary>
    /// Mounts <paramref name="fileSystem"/> and returns once the kernel's INIT is answered.
    /// Throws <see cref="FuseException"/> with one clear message when that cannot be done.
    /// </summary>
    public static FuseMount Mount(IFuseFileSystem fileSystem, FuseMountOptions options)
    {
        ArgumentNullException.ThrowIfNull(fileSystem);
        ArgumentNullException.ThrowIfNull(options);
        var mountPoint = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.MountPoint));
        MountPointGuard.Prepare(mountPoint);

        var asRoot = LibC.GetEuid() == 0;
        var fd = asRoot ? MountAsRoot(mountPoint, options) : FuserMount.Mount(mountPoint, HelperOptions(options));
        var session = new FuseSession(fd, fileSystem, options);
        var mount = new FuseMount(mountPoint, fd, !asRoot, session);
        session.Ended = mount.OnSessionEnded;
        try
        {
            session.Start();
            if (!session.WaitForInit(options.InitTimeout))
            {
                throw new FuseException($"the kernel did not send INIT for {mountPoint} within {options.InitTimeout.TotalSeconds:0} s", Errno.EIO);
            }

            if (session.ProtocolVersion.Major == 0)
            {
                throw new FuseException($"the FUSE session for {mountPoint} ended before INIT", Errno.ENOTCONN);
            }
        }
        catch
        {
            mount.Dispose();
            throw;
        }

        return mount;
    }

    /// <summary>
    /// Detaches the mount; the readers then see the device close and stop. Safe to call from a
    /// signal handler (PosixSignalRegistration) and more than once.
    /// </summary>
    public void RequestUnmount()
    {
        if (Interlocked.Exchange(ref _unmounted, 1) != 0)
        {
            return;
        }

        if (MountInfo.FileSystemTypeAt(MountPoint) is not { } type || !type.StartsWith("fuse", StringComparison.Ordinal))
        {
            return;
        }

        if (_viaHelper)
        {
            FuserMount.Unmount(MountPoint);
        }
        else
        {
            // MNT_DETACH: files still open under the mount must not keep it attached.
            LibC.Umount2(MountPoint, LibC.MntDetach);
        }
    }

    /// <summary>
    /// Unmounts the Vellum mount at <paramref name="mountPoint"/> from outside its process
    /// (`vellum umount`); its server then sees the device close and exits. Refuses anything
    /// that is not a fuse.vellum mount, and a busy one, with a clear message.
    /// </summary>
    public static void Unmount(string mountPoint, string subtype = "vellum")
    {
        var full = Path.GetFullPath(mountPoint);
        var type = MountInfo.FileSystemTypeAt(full);
        if (type != "fuse." + subtype)
        {
            throw new FuseException(type is null
                ? $"nothing is mounted at {full}"
                : $"{full} is a {type} mount, not a Vellum one", Errno.EINVAL);
        }
        if (LibC.GetEuid() != 0)
        {
            FuserMount.Unmount(full);
        }
        else if (LibC.Umount2(full, 0) != 0)
        {
            throw FuseException.FromLastError($"cannot unmount {full}");
        }
    }

    /// <summary>Unmounts and waits (a few seconds at most) for the readers to stop.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        RequestUnmount();
        // Readers blocked in read(2) only return once the kernel drops the connection; the fd
        // stays open until they have, so its number cannot be reused under them.
        if (Session.JoinReaders(ReaderStopTimeout))
        {
            LibC.Close(DeviceFd);
        }
    }

    private void OnSessionEnded() => RequestUnmount();

    private static int MountAsRoot(string mountPoint, FuseMountOptions options)
    {
        var fd = LibC.Open("/dev/fuse", LibC.ORdwr | LibC.OCloexec);
        if (fd < 0)
        {
            throw FuseException.FromLastError("cannot open /dev/fuse");
        }

        var data = string.Create(CultureInfo.InvariantCulture,
            $"fd={fd},rootmode=40000,user_id={LibC.GetEuid()},group_id={LibC.GetEgid()},max_read={FuseInit.MaxWriteFor(options.MaxWrite, Environment.SystemPageSize)}{CommonOptions(options)}");
        if (LibC.Mount(options.Source, mountPoint, "fuse." + options.Subtype, LibC.MsNosuid | LibC.MsNodev, data) != 0)
        {
            var error = FuseException.FromLastError($"cannot mount {options.Source} at {mountPoint}");
            LibC.Close(fd);
            throw error;
        }

        return fd;
    }

    private static string HelperOptions(FuseMountOptions options) =>
        string.Create(CultureInfo.InvariantCulture,
            $"fsname={EscapeOption(options.Source)},subtype={EscapeOption(options.Subtype)},nosuid,nodev,max_read={FuseInit.MaxWriteFor(options.MaxWrite, Environment.SystemPageSize)}{CommonOptions(options)}");

    /// <summary>fusermount3 splits options at commas; a backslash escapes one (as libfuse does).</summary>
    private static string EscapeOption(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(",", "\\,", StringComparison.Ordinal);

    private static string CommonOptions(FuseMountOptions options) =>
        (options.AllowOther ? ",allow_other" : string.Empty) + (options.DefaultPermissions ? ",default_permissions" : string.Empty);
}
