using Vellum.Fuse;

namespace Vellum.Cli.Commands;

/// <summary>`vellum umount MOUNTPOINT`: stops the mount served there, within seconds even when files are open on it (see <see cref="FuseMount.UnmountForcingBusy"/>).</summary>
internal static class UmountCommand
{
    public const string Usage = "vellum umount MOUNTPOINT";

    public static int Run(IReadOnlyList<string> args)
    {
        if (args.Count != 1)
            return Cli.Fail($"usage: {Usage}");
        try
        {
            var holders = FuseMount.UnmountForcingBusy(args[0]);
            if (holders.Count > 0)
                Console.Error.WriteLine($"vellum: {Path.GetFullPath(args[0])} was busy ({MountHolder.Describe(holders)}): detached it and aborted its connection, so its daemon stops now, keeping every change made so far; those files get errors (ENOTCONN) until they are closed");
            return 0;
        }
        catch (FuseException error)
        {
            return Cli.Fail(error.Message);
        }
    }
}
