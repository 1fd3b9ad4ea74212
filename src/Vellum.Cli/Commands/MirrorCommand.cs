using System.CommandLine;
using Microsoft.Extensions.Logging;
using Vellum.Mirror;
using Vellum.Store;

namespace Vellum.Cli.Commands;

/// <summary>
/// `vellum mirror --store DIR --to REPLICA [--follow | --verify | --rebuild]`: applies the
/// store's transactions to the replica directory (docs/mirror.md) and prints one summary
/// line. Following, it applies new transactions as the store grows until Ctrl-C or SIGTERM.
/// Verifying, it compares the replica with a fresh replay up to its position; rebuilding, it
/// replays the store afresh beside it and swaps the two. Each holds the replica's lock.
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
        var verify = new Option<bool>("--verify")
        {
            Description = "change nothing: replay the store afresh, up to the replica's position, into a directory beside it, compare the two (types, content, holes, modes, owners, mtimes, xattrs, hard links) and print the differences; exit 2 when they differ",
        };
        var rebuild = new Option<bool>("--rebuild")
        {
            Description = "make the replica again: replay the whole store into a directory beside it, then put that in the replica's place in one atomic rename and remove the old tree (the replica stays as it was until then)",
        };
        var command = new VellumCommand("mirror", "Apply a store's transactions to a replica directory (docs/mirror.md) and print one summary line: idempotent and crash-safe; a path that is absolute, has '..' or would pass through a symlink is refused, naming its transaction. A replica takes one writer at a time: while a mirror (or a serve node's mirror, a verify, a rebuild) applies to it, another is refused, naming it.")
        {
            LinePrefix = "vellum mirror",
            Examples =
            [
                ("vellum mirror --store JOURNAL --to /backup/data", "bring /backup/data up to the journal's last complete transaction"),
                ("vellum mirror --store JOURNAL --to /backup/data --follow", "and keep it there as the journal grows"),
                ("vellum mirror --store JOURNAL --to /backup/data --verify", "check that /backup/data holds what the journal says at its position"),
                ("vellum mirror --store JOURNAL --to /backup/data --rebuild", "replace a replica that differs with a fresh replay of the journal"),
            ],
        };
        var allowShared = SharedJournalOption.Create("a store");
        foreach (var option in new Option[] { store, to, follow, verify, rebuild, allowShared })
            command.Options.Add(option);
        command.SetRun((parseResult, logs) => Run(
            new MirrorOptions(parseResult.GetRequiredValue(store), parseResult.GetRequiredValue(to), parseResult.GetValue(follow), parseResult.GetValue(verify), parseResult.GetValue(rebuild))
            {
                AllowSharedJournal = parseResult.GetValue(allowShared),
            },
            logs));
        return command;
    }

    /// <exception cref="CommandFailure">A path is wrong (environment), or a transaction was refused or the store is damaged (data).</exception>
    public static int Run(MirrorOptions options, ILoggerFactory logs)
    {
        options.Check();
        PathChecks.ExistingDirectory(options.Store, "the store", "give --store a journal directory");
        SharedJournalOption.CheckForReading(options.Store, "the store", options.AllowSharedJournal, logs);
        if (options.Verify)
        {
            PathChecks.ExistingDirectory(options.Replica, "the replica", "give --to the replica to verify");
            return MirrorVerification.Verify(options);
        }
        PathChecks.ReplicaDirectory(options.Replica, "the replica", "choose a writable directory with --to REPLICA");
        if (options.Rebuild)
            return MirrorVerification.Rebuild(options);
        using var stop = new SignalStop(enabled: options.Follow);
        MirrorRunner mirror;
        try
        {
            mirror = MirrorRunner.Open(options.Store, options.Replica);
        }
        catch (Exception refused) when (refused is MirrorException || SystemErrors.IsRefusal(refused))
        {
            throw Failure(refused, options.Store);
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
                throw Failure(refused, options.Store);
            }
            PrintSummary(mirror);
            return ExitCodes.Done;
        }
    }

    /// <summary>
    /// A replica another writer holds (environment: it is busy, nothing is wrong with the
    /// data), a replica or store that does not fit (data), or what the system refused.
    /// </summary>
    internal static CommandFailure Failure(Exception refused, string store) => refused switch
    {
        ReplicaLockedException locked => CommandFailure.Environment(locked.Message),
        MirrorException mismatch => CommandFailure.DataProblem(mismatch.Message),
        StoreDamagedException damage => CommandFailure.DataProblem(damage.File.Length == 0 ? $"{store}: {damage.Message}" : $"store damaged: {damage.File} at byte {damage.Offset}: {damage.Message}"),
        _ => CommandFailure.Environment(SystemErrors.Sentence(refused)),
    };

    /// <summary>
    /// A transaction the mirror cannot pass, with the commands that get out: a replica that no
    /// longer matches the journal, or that may have been changed (a symlink put on a path), is
    /// rebuilt, or mirrored again into an empty directory. A refusal by the replica's filesystem already
    /// says to run again.
    /// </summary>
    private static string WithWayOut(MirrorException refused, MirrorOptions options)
    {
        var again = $"{Invocation.Command()} mirror --store {options.Store} --to {options.Replica} --rebuild, or {Invocation.Command()} mirror --store {options.Store} --to NEW_REPLICA";
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
