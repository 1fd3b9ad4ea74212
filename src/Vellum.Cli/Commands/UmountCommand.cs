using Vellum.Fuse;

namespace Vellum.Cli.Commands;

/// <summary>`vellum umount MOUNTPOINT`: stops the mount served there.</summary>
internal static class UmountCommand
{
    public const string Usage = "vellum umount MOUNTPOINT";

    public static int Run(IReadOnlyList<string> args)
    {
        if (args.Count != 1)
            return Cli.Fail($"usage: {Usage}");
        try
        {
            FuseMount.Unmount(args[0]);
            return 0;
        }
        catch (FuseException error)
        {
            return Cli.Fail(error.Message);
        }
    }
}
