using Vellum.Fuse;
using Vellum.Native;
using Vellum.Passthrough;

namespace Vellum.FuseAdapter.Tests;

/// <summary>
/// Entry point of the test assembly (in place of the test SDK's empty one): a test starts it
/// as a child that serves a mount until it is killed.
/// </summary>
public static class Program
{
    public const string Serve = "serve";
    public const string CreateWithMode = "create-with-mode";

    public static int Main(string[] args)
    {
        if (args is [CreateWithMode, var path, var octal])
        {
            // As pjdfstest's "create": open(O_CREAT) with the mode as given, no umask.
            LibC.Umask(0);
            var fd = LibC.Open(path, LibCConstants.OCreat | LibCConstants.OWrOnly, Convert.ToUInt32(octal, 8));
            return fd < 0 ? Sys.Errno() : LibC.Close(fd);
        }
        if (args is not [Serve, var backing, var mountPoint])
            return 0;
        using var fileSystem = new PassthroughFileSystem(backing);
        using var mount = FuseMount.Mount(new PassthroughFuseFileSystem(fileSystem, usePassthrough: true), new FuseMountOptions { MountPoint = mountPoint, Source = backing });
        Console.WriteLine("mounted");
        mount.Completion.Wait();
        return 0;
    }
}
