using System.Runtime.InteropServices;
using Vellum.Fuse;
using Vellum.Mount;
using Vellum.Passthrough;

namespace Vellum.Cli.Commands;

/// <summary>`vellum mount BACKING MOUNTPOINT --no-journal [--no-passthrough]`: serves BACKING at MOUNTPOINT in the foreground.</summary>
internal static class MountCommand
{
    public const string Usage = "vellum mount BACKING MOUNTPOINT --no-journal [--no-passthrough]";

    public static int Run(IReadOnlyList<string> args)
    {
        var positional = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
        var options = args.Where(a => a.StartsWith("--", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        var unknown = options.Except(["--no-journal", "--no-passthrough"]).ToList();
        if (positional.Count != 2 || unknown.Count != 0)
            return Cli.Fail(unknown.Count != 0 ? $"unknown option {unknown[0]}; usage: {Usage}" : $"usage: {Usage}");
        if (!options.Contains("--no-journal"))
            return Cli.Fail("the journaled mount is not built yet; run with --no-journal for a plain passthrough mount");
        var backing = Path.GetFullPath(positional[0]);
        var mountPoint = Path.GetFullPath(positional[1]);
        if (!Directory.Exists(backing))
            return Cli.Fail($"backing directory {backing} does not exist");
        if (backing == mountPoint || mountPoint.StartsWith(backing + "/", StringComparison.Ordinal))
            return Cli.Fail($"the mountpoint {mountPoint} must not be inside the backing directory {backing}");

        try
        {
            using var backingFileSystem = new PassthroughFileSystem(backing);
            var usePassthrough = !options.Contains("--no-passthrough");
            var fileSystem = new PassthroughFuseFileSystem(backingFileSystem, usePassthrough);
            using var mount = FuseMount.Mount(fileSystem, new FuseMountOptions
            {
                MountPoint = mountPoint,
                Source = backing,
                EnablePassthrough = usePassthrough,
            });
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Unmount);
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Unmount);
            Console.Error.WriteLine($"vellum: {backing} mounted at {mountPoint} (FUSE {mount.Session.ProtocolVersion}, passthrough {(mount.Session.PassthroughEnabled ? "on" : "off")}); Ctrl-C or 'vellum umount {mountPoint}' to stop");
            mount.Completion.Wait();
            return 0;

            void Unmount(PosixSignalContext context)
            {
                context.Cancel = true;
                mount.RequestUnmount();
            }
        }
        catch (FuseException error)
        {
            return Cli.Fail(error.Message);
        }
        catch (IOException error)
        {
            return Cli.Fail(error.Message);
        }
    }
}
