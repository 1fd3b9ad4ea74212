using System.Globalization;
using Vellum.Native;

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

    /// <summary>The kernel's id of this mount (see <see cref="MountHolder.Find"/>); -1 if it was not found.</summary>
    public int MountId { get; private set; } = -1;

    /// <summary>The connection's name under fusectl (/sys/fs/fuse/connections): the mount's device number.</summary>
    private uint? _connection;

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

            mount.MountId = MountInfo.MountIdAt(mountPoint);
            mount._connection = MountInfo.DeviceAt(mountPoint);
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
            LibC.Umount2(MountPoint, LibCConstants.MntDetach);
        }
    }

    /// <summary>
    /// Aborts the connection, as `umount -f` would but also after a lazy detach: every request
    /// pending or to come fails with ENOTCONN, the readers see the device gone, and programs
    /// blocked in a request this server will never answer get their error. Through fusectl's
    /// abort file; when fusectl is not mounted (systemd mounts it at boot, a bare system may
    /// not) it is mounted for a moment in a private directory. False when that failed (not
    /// root, no fusectl): the connection then ends only when this process closes the device.
    /// </summary>
    public bool AbortConnection()
    {
        if (_connection is not { } connection)
        {
            return false;
        }

        var name = connection.ToString(CultureInfo.InvariantCulture);
        if (TryWriteAbort(Path.Combine("/sys/fs/fuse/connections", name, "abort")))
        {
            return true;
        }

        var control = Directory.CreateTempSubdirectory("vellum-fusectl-").FullName;
        try
        {
            if (LibC.Mount("fusectl", control, "fusectl", 0, string.Empty) != 0)
            {
                return false;
            }

            try
            {
                return TryWriteAbort(Path.Combine(control, name, "abort"));
            }
            finally
            {
                LibC.Umount2(control, LibCConstants.MntDetach);
            }
        }
        finally
        {
            Directory.Delete(control);
        }
    }

    private static bool TryWriteAbort(string path)
    {
        try
        {
            File.WriteAllText(path, "1");
            return true;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return false;
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

    /// <summary>
    /// Unmounts as <see cref="Unmount"/> does, and when the mount is busy (files open on it)
    /// detaches it and aborts its connection (MNT_FORCE | MNT_DETACH; needs root): its server
    /// then sees the device close even with a request stuck inside it, and programs holding
    /// files open on it get ENOTCONN from then on. Returns the holders of a busy mount, as
    /// found before the abort; empty when it unmounted cleanly.
    /// </summary>
    public static IReadOnlyList<MountHolder> UnmountForcingBusy(string mountPoint, string subtype = "vellum")
    {
        var full = Path.GetFullPath(mountPoint);
        var type = MountInfo.FileSystemTypeAt(full);
        if (type != "fuse." + subtype || LibC.GetEuid() != 0)
        {
            Unmount(full, subtype);
            return [];
        }
        var mountId = MountInfo.MountIdAt(full);
        if (LibC.Umount2(full, 0) == 0)
        {
            return [];
        }
        if (LibC.LastError() != Errno.EBUSY)
        {
            throw FuseException.FromLastError($"cannot unmount {full}");
        }
        var holders = MountHolder.Find(mountId, full);
        if (LibC.Umount2(full, LibCConstants.MntForce | LibCConstants.MntDetach) != 0)
        {
            throw FuseException.FromLastError($"cannot force the unmount of {full}");
        }
        return holders;
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
        var fd = LibC.Open("/dev/fuse", LibCConstants.ORdWr | LibCConstants.OCloExec);
        if (fd < 0)
        {
            throw FuseException.FromLastError("cannot open /dev/fuse");
        }

        var data = string.Create(CultureInfo.InvariantCulture,
            $"fd={fd},rootmode=40000,user_id={LibC.GetEuid()},group_id={LibC.GetEgid()},max_read={FuseInit.MaxWriteFor(options.MaxWrite, Environment.SystemPageSize)}{CommonOptions(options)}");
        if (LibC.Mount(options.Source, mountPoint, "fuse." + options.Subtype, LibCConstants.MsNosuid | LibCConstants.MsNodev, data) != 0)
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
