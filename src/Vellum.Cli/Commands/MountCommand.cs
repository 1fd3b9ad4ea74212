using Vellum.Fuse;
using Vellum.Host;
using Vellum.Recording;
using Vellum.Store;

namespace Vellum.Cli.Commands;

/// <summary>
/// `vellum mount BACKING MOUNTPOINT [--journal DIR] [--reversible] [--sync none|local]`:
/// serves BACKING at MOUNTPOINT in the foreground, every change journaled (or none, with --no-journal).
/// </summary>
internal static class MountCommand
{
    public const string Usage = "vellum mount BACKING MOUNTPOINT [--journal DIR] [--reversible] [--sync none|local|remote] [--defer-backing-sync SECONDS] [--no-journal] [--no-passthrough] " + ReplicationOptions.Usage;

    public static int Run(IReadOnlyList<string> args)
    {
        if (!MountOptions.TryParse(args, out var options, out var error))
            return Cli.Fail($"{error}; usage: {Usage}");
        var (backing, mountPoint, journalDirectory) = (options!.Backing, options.MountPoint, options.Journal);
        if (!Directory.Exists(backing))
            return Cli.Fail($"backing directory {backing} does not exist");
        if (MountOptions.IsInside(mountPoint, backing))
            return Cli.Fail($"the mountpoint {mountPoint} must not be inside the backing directory {backing}");
        if (journalDirectory is not null && (MountOptions.IsInside(journalDirectory, backing) || MountOptions.IsInside(journalDirectory, mountPoint)))
            return Cli.Fail($"the journal {journalDirectory} must not be inside the backing directory or the mountpoint; choose another with --journal DIR");

        try
        {
            var journalOptions = journalDirectory is null ? null : new MountJournalOptions
            {
                Directory = journalDirectory,
                BackingDirectory = backing,
                Reversible = options.Reversible,
                Sync = options.Sync,
                BackingSyncDelay = options.BackingSyncDelay,
            };
            var replication = options.Replication.Targets.Count == 0 ? null
                : new MountReplicationOptions(options.Replication.Targets, options.Replication.SecretFile!) { RemoteTimeout = options.Replication.RemoteTimeout };
            using var log = new StderrLog("vellum");
            using var host = MountHost.Start(new MountHostOptions
            {
                Backing = backing,
                MountPoint = mountPoint,
                Journal = journalOptions,
                Passthrough = options.Passthrough,
                Replication = replication,
                LoggerFactory = log,
            });
            using var signals = new MountSignals(host);
            if (host.Journal is { } journal)
                Console.Error.WriteLine($"vellum: journal {journalDirectory} (id {journal.Header.JournalId}, sync {options.Sync.ToString().ToLowerInvariant()}): {journal.Recovery}");
            Console.Error.WriteLine($"vellum: {backing} mounted at {mountPoint} (FUSE {host.Session.ProtocolVersion}, passthrough {(host.Session.PassthroughEnabled ? "on" : "off")}, {(host.Journal is null ? "no journal" : "journaled")}); Ctrl-C or 'vellum umount {mountPoint}' to stop");
            host.Run();
            return host.JournalUnfinished ? 1 : 0;
        }
        catch (Exception failure) when (failure is MountStartException or FuseException or IOException or StoreDamagedException or InvalidOperationException or UnauthorizedAccessException or InvalidDataException)
        {
            return Cli.Fail(failure.Message);
        }
    }
}
