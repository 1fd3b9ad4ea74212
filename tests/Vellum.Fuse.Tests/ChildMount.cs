using System.Diagnostics;
using System.Runtime.InteropServices;
using Vellum.Native;

namespace Vellum.Fuse.Tests;

/// <summary>What the test assembly does when started as a child process: hold a mount of <see cref="MemoryFileSystem"/>.</summary>
internal static class ChildMount
{
    public const string HoldUntilKilled = "hold-mount";
    public const string ServeUntilSignal = "serve-until-signal";
    public const string MountedLine = "mounted";

    /// <summary>The test assembly started again with <paramref name="arguments"/>, standard output redirected.</summary>
    public static ProcessStartInfo Start(params string[] arguments) =>
        new(DotnetHost(), ["exec", typeof(ChildMount).Assembly.Location, .. arguments])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };

    /// <summary>Mounts, says so, and waits to be killed.</summary>
    public static int HoldMountUntilKilled(string mountPoint)
    {
        using var mount = FuseMount.Mount(new MemoryFileSystem(), TestMount.Options(mountPoint));
        Console.WriteLine(MountedLine);
        Console.Out.Flush();
        mount.Completion.Wait();
        return 0;
    }

    /// <summary>
    /// Mounts as whoever runs it (fusermount3 without root), checks the mount serves this user,
    /// says so, and unmounts on SIGTERM the way the CLI does.
    /// </summary>
    public static int ServeMountUntilSignal(string mountPoint)
    {
        var options = TestMount.Options(mountPoint);
        // default_permissions: the root must belong to the user for the probe to be allowed.
        using var mount = FuseMount.Mount(new MemoryFileSystem(LibC.GetEuid(), LibC.GetEgid()), new FuseMountOptions
        {
            MountPoint = options.MountPoint,
            Source = options.Source,
            AllowOther = false,
        });
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            mount.RequestUnmount();
        });
        var probe = Path.Combine(mountPoint, "probe");
        File.WriteAllText(probe, "served");
        Console.WriteLine(File.ReadAllText(probe) == "served" ? MountedLine : "probe failed");
        Console.Out.Flush();
        mount.Completion.Wait();
        return 0;
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
}
