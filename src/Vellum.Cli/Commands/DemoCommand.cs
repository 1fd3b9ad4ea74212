using System.CommandLine;
using Microsoft.Extensions.Logging;
using Vellum.Cli.Logging;
using Vellum.Fuse;
using Vellum.Host;
using Vellum.Mirror;
using Vellum.Native;
using Vellum.Recording;
using Vellum.Store;

namespace Vellum.Cli.Commands;

/// <summary>
/// `vellum demo [DIR]`: the main job in one command. Sets up DIR (default ./vellum-demo):
/// a backing directory, a journaled mount of it, its journal, and a replica kept as a live
/// mirror of the journal; prints what to try; unmounts cleanly on Ctrl-C or SIGTERM.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var directory = new Argument<string>("DIR")
        {
            Description = "where the demo sets up its directories (default ./vellum-demo)",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => "vellum-demo",
        };
        var command = new VellumCommand("demo", "Set up DIR with a backing directory, a journaled mount of it at DIR/mnt, its journal and a live mirror rebuilt from the journal; print what to try; Ctrl-C or SIGTERM unmounts. Needs root (it mounts FUSE).")
        {
            LinePrefix = "vellum demo",
            Examples =
            [
                ("vellum demo", "the demo in ./vellum-demo"),
                ("vellum demo /tmp/try-vellum", "the demo in /tmp/try-vellum"),
            ],
        };
        command.Arguments.Add(directory);
        command.SetRun((parseResult, logs) => Run(parseResult.GetRequiredValue(directory), logs));
        return command;
    }

    /// <exception cref="CommandFailure">DIR cannot be set up, or the mount was refused.</exception>
    public static int Run(string directory, ILoggerFactory logs)
    {
        var root = Path.GetFullPath(directory);
        PathChecks.WritableDirectory(root, "the demo directory", "give another: vellum demo DIR");
        var backing = Path.Combine(root, "backing");
        var mountPoint = Path.Combine(root, "mnt");
        var journalDirectory = Path.Combine(root, "journal");
        var replica = Path.Combine(root, "mirror");
        // 0755 whatever the umask: nothing the demo makes is group- or world-writable. The
        // journal (owner-only) is made by the mount, the mirror (0700 until the journal gives
        // it the backing root's mode) by the mirror.
        ExactDirectory.Create(backing, ExactDirectory.Shared);
        ExactDirectory.Create(mountPoint, ExactDirectory.Shared);
        try
        {
            using (var host = MountHost.Start(new MountHostOptions
            {
                Backing = backing,
                MountPoint = mountPoint,
                Journal = new MountJournalOptions { Directory = journalDirectory, BackingDirectory = backing },
                LoggerFactory = logs,
            }))
            {
                using var signals = new MountSignals(host);
                // Follows what the journal writes, not only what it made durable: the demo's
                // mirror is to show each change as it is made, fsynced or not.
                using var mirror = StoreFollower.Start(host.Journal!.Store, replica, durableOnly: false);
                var logger = logs.CreateLogger("Vellum.Cli");
                _ = mirror.Completion.ContinueWith(
                    stopped => CliLog.DemoMirrorStopped(logger, stopped.Exception!.InnerException!.Message),
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
            return ExitCodes.Done;
        }
        catch (MountStartException refused)
        {
            throw CommandFailure.Environment(refused.Message);
        }
        catch (FuseException refused)
        {
            throw CommandFailure.Environment($"{refused.Message}; is a demo still running there? '{Invocation.Command()} umount {mountPoint}' stops it");
        }
        catch (Exception damaged) when (damaged is StoreDamagedException or InvalidDataException or MirrorException)
        {
            throw CommandFailure.DataProblem($"{damaged.Message}; start the demo in a new directory: vellum demo DIR");
        }
        catch (JournalMismatchException mismatch)
        {
            throw CommandFailure.Usage($"{mismatch.Message}; start the demo in a new directory: vellum demo DIR");
        }
        catch (Exception refused) when (SystemErrors.IsRefusal(refused))
        {
            throw CommandFailure.Environment(SystemErrors.Sentence(refused));
        }
    }

    private static void PrintGuide(string root, string mountPoint, string journal, string replica, MountJournal journalState)
    {
        var vellum = Invocation.Command();
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

            Get a file back: write it, note the time, spoil it and delete it, then ask the journal:
              echo "first draft" > {mountPoint}/notes.txt; T=$(date +%FT%T.%N)
              echo "a bad edit" > {mountPoint}/notes.txt; rm {mountPoint}/notes.txt; sync {mountPoint}
              {vellum} history {journal} notes.txt    # every change to it: transaction, time, operation
              {vellum} diff {journal} --from "$T"    # what changed since then: D notes.txt
              {vellum} restore {journal} --at "$T" --to {Path.Combine(root, "restored")} --path notes.txt && cat {Path.Combine(root, "restored", "notes.txt")}

            Ctrl-C unmounts cleanly.
            """);
    }
}
