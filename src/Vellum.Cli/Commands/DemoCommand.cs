using Vellum.Fuse;
using Vellum.Host;
using Vellum.Mirror;
using Vellum.Recording;

namespace Vellum.Cli.Commands;

/// <summary>
/// `vellum demo [DIR]`: the main job in one command. Sets up DIR (default ./vellum-demo):
/// a backing directory, a journaled mount of it, its journal, and a replica kept as a live
/// mirror of the journal; prints what to try; unmounts cleanly on Ctrl-C or SIGTERM.
/// </summary>
internal static class DemoCommand
{
    public const string Usage = "vellum demo [DIR]";

    public static int Run(IReadOnlyList<string> args)
    {
        if (args.Count > 1 || args.Any(a => a.StartsWith("--", StringComparison.Ordinal)))
            return Cli.Fail($"usage: {Usage}");
        var root = Path.GetFullPath(args.Count == 1 ? args[0] : "vellum-demo");
        var backing = Path.Combine(root, "backing");
        var mountPoint = Path.Combine(root, "mnt");
        var journalDirectory = Path.Combine(root, "journal");
        var replica = Path.Combine(root, "mirror");
        Directory.CreateDirectory(backing);
        Directory.CreateDirectory(mountPoint);
        try
        {
            using (var log = new StderrLog("vellum"))
            using (var host = MountHost.Start(new MountHostOptions
            {
                Backing = backing,
                MountPoint = mountPoint,
                Journal = new MountJournalOptions { Directory = journalDirectory, BackingDirectory = backing },
                LoggerFactory = log,
            }))
            {
                using var signals = new MountSignals(host);
                // Follows what the journal writes, not only what it made durable: the demo's
                // mirror is to show each change as it is made, fsynced or not.
                using var mirror = StoreFollower.Start(host.Journal!.Store, replica, durableOnly: false);
                _ = mirror.Completion.ContinueWith(
                    stopped => Console.Error.WriteLine($"vellum demo: the mirror stopped: {stopped.Exception!.InnerException!.Message}"),
                    CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted,
                    TaskScheduler.Default);
                PrintGuide(root, mountPoint, journalDirectory, replica, host.Journal);
                host.Run();
            }
            // Unmounted, and the journal drained into its store: the changes made just before
            // Ctrl-C reach the mirror too, so it matches the backing directory at exit.
            using (var runner = MirrorRunner.Open(journalDirectory, replica))
                runner.CatchUp();
            Console.WriteLine("vellum demo: unmounted; the journal and the mirror stay in " + root);
            return 0;
        }
        catch (Exception failure) when (failure is MountStartException or FuseException or IOException or MirrorException or InvalidOperationException or UnauthorizedAccessException)
        {
            return Cli.Fail(failure.Message);
        }
    }

    private static void PrintGuide(string root, string mountPoint, string journal, string replica, MountJournal journalState)
    {
        var vellum = "dotnet run --project src/Vellum.Cli --";
        Console.WriteLine($"""
            vellum demo: a journaled filesystem is mounted, with a live mirror.

              {mountPoint,-40} write here (the mount)
              {Path.Combine(root, "backing"),-40} where the files really live
              {journal,-40} the journal ({journalState.Recovery})
              {replica,-40} a mirror rebuilt from the journal as it grows

            Try, in another shell:
              echo hello > {mountPoint}/hello.txt; mkdir {mountPoint}/d; mv {mountPoint}/hello.txt {mountPoint}/d/
              {vellum} log {journal}          every change, one line each (--json, --follow)
              {vellum} status {mountPoint}    journal position, FIFO use, stalls, operations per second
              diff -r {mountPoint} {replica} && echo "the mirror matches"

            Ctrl-C unmounts cleanly.
            """);
    }
}
