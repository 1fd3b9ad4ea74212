using System.CommandLine;
using System.Runtime.InteropServices;
using Vellum.Mirror;
using Vellum.Store;

namespace Vellum.Cli.Commands;

/// <summary>
/// `vellum mirror --store DIR --to REPLICA [--follow]`: applies the store's transactions to
/// the replica directory (docs/mirror.md) and prints one summary line. Following, it applies
/// new transactions as the store grows until Ctrl-C or SIGTERM.
/// </summary>
internal static class MirrorCommand
{
    public static Command Create()
    {
        var store = new Option<string>("--store")
        {
            Description = "the store to apply: a mount's journal directory, or a 'vellum serve' STORE/<journal id>",
            HelpName = "DIR",
            Required = true,
        };
        var to = new Option<string>("--to")
        {
            Description = "the replica directory, created if missing; empty the first time, then only ever written by mirror",
            HelpName = "REPLICA",
            Required = true,
        };
        var follow = new Option<bool>("--follow") { Description = "keep applying new transactions as the store grows, until Ctrl-C or SIGTERM" };
        var command = new VellumCommand("mirror", "Apply a store's transactions to a replica directory (docs/mirror.md) and print one summary line: idempotent and crash-safe; a path that is absolute, has '..' or would pass through a symlink is refused, naming its transaction.")
        {
            LinePrefix = "vellum mirror",
            Examples =
            [
                ("vellum mirror --store JOURNAL --to /backup/data", "bring /backup/data up to the journal's last complete transaction"),
                ("vellum mirror --store JOURNAL --to /backup/data --follow", "and keep it there as the journal grows"),
            ],
        };
        foreach (var option in new Option[] { store, to, follow })
            command.Options.Add(option);
        command.SetRun((parseResult, _) => Run(new MirrorOptions(parseResult.GetRequiredValue(store), parseResult.GetRequiredValue(to), parseResult.GetValue(follow))));
        return command;
    }

    /// <exception cref="CommandFailure">A path is wrong (environment), or a transaction was refused or the store is damaged (data).</exception>
    public static int Run(MirrorOptions options)
    {
        PathChecks.ExistingDirectory(options.Store, "the store", "give --store a journal directory");
        PathChecks.WritableDirectory(options.Replica, "the replica", "choose a writable directory with --to REPLICA");
        using var stop = new CancellationTokenSource();
        using var interrupt = options.Follow ? PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop) : null;
        using var terminate = options.Follow ? PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop) : null;
        MirrorRunner mirror;
        try
        {
            mirror = MirrorRunner.Open(options.Store, options.Replica);
        }
        catch (MirrorException refused)
        {
            throw CommandFailure.DataProblem(refused.Message);
        }
        catch (Exception refused) when (SystemErrors.IsRefusal(refused))
        {
            throw CommandFailure.Environment(SystemErrors.Sentence(refused));
        }
        using (mirror)
        {
            try
            {
                if (options.Follow)
                {
                    using var changes = new LogDirectoryChanges(options.Store);
                    mirror.Follow(changes.Wait, stop.Token);
                }
                else
                {
                    mirror.CatchUp(stop.Token);
                }
            }
            catch (StoreDamagedException damage)
            {
                PrintSummary(mirror);
                var repair = $"repair it from a copy of the journal ({Invocation.Command()} repair {options.Store} --from COPY), then mirror again: it goes on from here";
                throw CommandFailure.DataProblem(damage.File.Length == 0 ? $"{options.Store}: {damage.Message}; {repair}" : $"store damaged: {damage.Message} ({damage.File}); {repair}");
            }
            catch (MirrorException refused)
            {
                PrintSummary(mirror);
                throw CommandFailure.DataProblem(WithWayOut(refused, options));
            }
            catch (Exception refused) when (SystemErrors.IsRefusal(refused))
            {
                PrintSummary(mirror);
                throw CommandFailure.Environment(SystemErrors.Sentence(refused));
            }
            PrintSummary(mirror);
            return ExitCodes.Done;
        }

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    /// <summary>
    /// A transaction the mirror cannot pass, with the command that gets out: a replica that no
    /// longer matches the journal, or that may have been changed (a symlink put on a path), is
    /// mirrored again into an empty directory. A refusal by the replica's filesystem already
    /// says to run again.
    /// </summary>
    private static string WithWayOut(MirrorException refused, MirrorOptions options)
    {
        var again = $"{Invocation.Command()} mirror --store {options.Store} --to NEW_REPLICA";
        return refused switch
        {
            MirrorApplyException { ReplicaDiffers: true } => $"{refused.Message} ({again})",
            MirrorPathException => $"{refused.Message}; nothing of it was applied: if the replica was changed outside the mirror, mirror again into an empty directory ({again})",
            _ => refused.Message,
        };
    }

    /// <summary>`applied N transactions; REPLICA is at transaction T of journal UUID`.</summary>
    private static void PrintSummary(MirrorRunner mirror)
    {
        var at = mirror.Position is { } position
            ? $"at transaction {position.TransactionId} of journal {position.JournalId}"
            : "at the start of the journal";
        Console.WriteLine($"applied {mirror.Applied} transaction{(mirror.Applied == 1 ? "" : "s")}; {mirror.ReplicaDirectory} is {at}");
    }
}
