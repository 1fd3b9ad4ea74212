using System.CommandLine;
using Microsoft.Extensions.Logging;
using Vellum.Cli.Logging;
using Vellum.Fuse;

namespace Vellum.Cli.Commands;

/// <summary>`vellum umount MOUNTPOINT`: stops the mount served there, within seconds even when files are open on it (see <see cref="FuseMount.UnmountForcingBusy"/>).</summary>
internal static class UmountCommand
{
    public static Command Create()
    {
        var mountPoint = new Argument<string>("MOUNTPOINT") { Description = "where the mount to stop is" };
        var command = new VellumCommand("umount", "Stop the mount served at MOUNTPOINT; its daemon drains the journal and exits. A busy mount is detached and its connection aborted (as root), so its daemon stops within seconds; the files still open on it get errors (ENOTCONN).")
        {
            Examples = [("vellum umount /mnt/data", "stop the mount at /mnt/data")],
        };
        command.Arguments.Add(mountPoint);
        command.SetRun((parseResult, logs) => Run(parseResult.GetRequiredValue(mountPoint), logs));
        return command;
    }

    /// <exception cref="CommandFailure">Nothing of vellum is mounted there, or the unmount was refused.</exception>
    public static int Run(string mountPoint, ILoggerFactory logs)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(mountPoint));
        switch (MountInfo.FileSystemTypeAt(full))
        {
            case null:
                throw CommandFailure.Environment($"nothing is mounted at {full}; 'findmnt -t fuse.vellum' lists the mounts vellum serves");
            case var type when type != "fuse.vellum":
                throw CommandFailure.Environment($"{full} is a {type} mount, not a Vellum one; 'umount {full}' unmounts it");
        }
        try
        {
            var holders = FuseMount.UnmountForcingBusy(mountPoint);
            if (holders.Count > 0)
                CliLog.UnmountedBusy(logs.CreateLogger("Vellum.Cli"), full, MountHolder.Describe(holders));
            return ExitCodes.Done;
        }
        catch (FuseException refused)
        {
            throw CommandFailure.Environment(refused.Message);
        }
    }
}
