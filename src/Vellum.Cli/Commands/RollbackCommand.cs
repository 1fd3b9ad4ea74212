using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vellum.Cli.Logging;
using Vellum.Host;
using Vellum.Mirror;
using Vellum.Native;
using Vellum.Store;
using Vellum.TimeTravel;
using Vellum.TimeTravel.Rollback;

namespace Vellum.Cli.Commands;

/// <summary>
/// `vellum rollback MOUNTPOINT --to MOMENT [--path SUBPATH] [--dry-run] [--strict] [--json]`:
/// finds the mount's journal from its status, waits until the journal's store holds every
/// change made before the rollback began (that moment is the way back, printed), and puts the
/// mount (or a subtree) back as it was at MOMENT through the mount itself (docs/time-travel.md 8).
/// </summary>
internal static class RollbackCommand
{
    private static readonly TimeSpan DrainPatience = TimeSpan.FromSeconds(30);

    public static Command Create()
    {
        var mountPoint = new Argument<string>("MOUNTPOINT") { Description = "a journaled vellum mount" };
        var to = new Option<string>("--to")
        {
            Description = $"the moment to put the mount back to: {Moment.AcceptedForms}",
            HelpName = "MOMENT",
            Required = true,
        };
        var path = new Option<string>("--path") { Description = "roll back only this directory or file (relative to the mount's root); the rest is left alone", HelpName = "SUBPATH" };
        var dryRun = new Option<bool>("--dry-run") { Description = "list what would change (A made again, D removed, M content, m attributes) and change nothing" };
        var strict = new Option<bool>("--strict") { Description = "exit 2 when anything differs from the moment again after the rollback (another process changed it meanwhile)" };
        var json = new Option<bool>("--json") { Description = "print a JSON object: txid, time, before (the way back), changes, changedMeanwhile, seconds" };
        var command = new VellumCommand("rollback", "Put a live journaled mount (or a subtree) back as it was at a moment, through the mount: the rollback is itself journaled, mirrors and replicas follow it, and rolling back to the moment just before it (printed) brings back what it replaced. Only what differs is changed.")
        {
            LinePrefix = "vellum rollback",
            Examples =
            [
                ("vellum rollback /mnt/data --to 15m --dry-run", "what putting the mount back to 15 minutes ago would change"),
                ("vellum rollback /mnt/data --to 2026-12-07T14:02:00", "the whole mount as it was at 14:02 local time"),
                ("vellum rollback /mnt/data --to txid:1204 --path docs --strict", "only docs/, failing (exit 2) if anything changed it again meanwhile"),
            ],
        };
        command.Arguments.Add(mountPoint);
        var allowShared = SharedJournalOption.Create("a journal");
        foreach (var option in new Option[] { to, path, dryRun, strict, json, allowShared })
            command.Options.Add(option);
        command.SetRun((parseResult, logs) => Run(
            new RollbackOptions(parseResult.GetRequiredValue(mountPoint), parseResult.GetRequiredValue(to), parseResult.GetValue(path),
                parseResult.GetValue(dryRun), parseResult.GetValue(strict), parseResult.GetValue(json))
            {
                AllowSharedJournal = parseResult.GetValue(allowShared),
            },
            logs));
        return command;
    }

    /// <exception cref="CommandFailure">Usage (a moment or path), environment (no journaled mount, a live name that cannot be changed), data (damage; --strict and changes meanwhile).</exception>
    public static int Run(RollbackOptions options, ILoggerFactory logs)
    {
        var moment = MomentArgument.Parse("--to", options.To);
        var logger = logs.CreateLogger("Vellum.Cli");
        var mountPoint = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.MountPoint));
        var status = StatusCommand.Ask(mountPoint).Status;
        var journal = status.Journal;
        SharedJournalOption.CheckForReading(journal, "the journal", options.AllowSharedJournal, logs);
        using var stop = new SignalStop();
        try
        {
            var before = Settle(mountPoint);
            var timeline = StoreTimeline.Read(journal, stop.Token);
            var resolved = timeline.Resolve(moment, DateTimeOffset.Now);
            // The first line a console logger writes costs it a start of its own (a tenth of a second or more): made beside the restore.
            var announced = Task.Run(() => CliLog.RollbackResolved(logger, moment.Text, resolved.ToString(), mountPoint, before));
            RollbackResult result;
            try
            {
                result = TreeRollback.Run(journal, resolved, mountPoint, options.SubPath, options.DryRun, Path.GetDirectoryName(journal)!, stop.Token);
            }
            finally
            {
                announced.Wait();
            }
            var after = options.DryRun || result.Changes.Count == 0 ? before : StatusCommand.Ask(mountPoint).Status.LastTransactionId;
            foreach (var change in result.ChangedMeanwhile)
                CliLog.ChangedMeanwhile(logger, change.Path, change.Code);
            Console.WriteLine(options.Json ? Json(result, before, after) : Text(result, mountPoint, before, after, options));
            if (options.Strict && result.ChangedMeanwhile.Count > 0)
                throw CommandFailure.DataProblem($"{result.ChangedMeanwhile.Count} path(s) differ from {resolved} again after the rollback (changed by another process meanwhile, listed above); stop what writes to {mountPoint} and run the rollback again");
            return ExitCodes.Done;
        }
        catch (MomentException outOfRange) when (outOfRange.PastDamage)
        {
            throw CommandFailure.DataProblem($"--to {outOfRange.Message}; repair the journal from a copy ({Invocation.Command()} repair {journal} --from COPY), or roll back to a moment before the damage");
        }
        catch (MomentException outOfRange)
        {
            throw CommandFailure.Usage($"--to {outOfRange.Message}");
        }
        catch (RestorePathException wrongPath)
        {
            throw CommandFailure.Usage(wrongPath.Message);
        }
        catch (RestoreTargetException scratch)
        {
            throw CommandFailure.Environment(scratch.Message);
        }
        catch (RestoreDamagedException damaged)
        {
            throw CommandFailure.DataProblem($"{damaged.Message}; nothing in {mountPoint} was changed; repair the journal from a copy ({Invocation.Command()} repair {journal} --from COPY)");
        }
        catch (OperationCanceledException)
        {
            throw CommandFailure.Environment($"stopped by a signal; {mountPoint} is partly rolled back: run the same rollback again to finish it");
        }
        catch (IOException live)
        {
            throw CommandFailure.Environment($"{live.Message}; what the rollback changed before that stays changed (journaled): run it again once the cause is fixed");
        }
        catch (Exception refused) when (refused is MirrorException or StoreDamagedException)
        {
            throw MirrorCommand.Failure(refused, journal);
        }
    }

    /// <summary>
    /// Makes everything done through the mount so far durable in the journal (an fsync of its
    /// root waits for that), waits until the journal's store holds it, and returns the last
    /// transaction begun: the moment just before what comes next.
    /// </summary>
    private static ulong Settle(string mountPoint)
    {
        var root = LibC.Open(mountPoint, LibCConstants.ORdOnly | LibCConstants.ODirectory | LibCConstants.OCloExec);
        if (root < 0)
            throw CommandFailure.Environment($"cannot open {mountPoint}: {LibC.LastError().Text}");
        try
        {
            if (LibC.FSync(root) != 0)
                throw CommandFailure.DataProblem($"the journal of {mountPoint} did not take what was written before the rollback (fsync: {LibC.LastError().Text}); 'vellum status {mountPoint}' says why");
        }
        finally
        {
            LibC.Close(root);
        }
        var deadline = DateTime.UtcNow + DrainPatience;
        while (true)
        {
            var status = StatusCommand.Ask(mountPoint).Status;
            if ((status.FifoBytesInUse == 0 && status.DurablePosition == status.WrittenPosition) || DateTime.UtcNow > deadline)
                return status.LastTransactionId;
            Thread.Sleep(50);
        }
    }

    private static string Text(RollbackResult result, string mountPoint, ulong before, ulong after, RollbackOptions options)
    {
        var lines = new List<string>(result.Changes.Select(change => change.ToString()));
        var counts = string.Create(CultureInfo.InvariantCulture,
            $"{result.Count('A')} made again, {result.Count('D')} removed, {result.Count('M')} content, {result.Count('m')} attributes");
        var where = options.SubPath is { } sub ? $"{mountPoint}/{sub.Trim('/')}" : mountPoint;
        if (result.DryRun)
            lines.Add($"dry run: rolling {where} back to {result.Moment} would change {result.Changes.Count} path(s) ({counts}); nothing was changed");
        else if (result.Changes.Count == 0)
            lines.Add($"{where} is already as it was at {result.Moment}; nothing was changed");
        else
        {
            var meanwhile = result.ChangedMeanwhile.Count == 0 ? "" : $"; {result.ChangedMeanwhile.Count} path(s) changed again meanwhile (listed on stderr)";
            var path = options.SubPath is { } p ? $" --path {p}" : "";
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"rolled {where} back to {result.Moment}: {result.Changes.Count} path(s) ({counts}) in transactions {before + 1} to {after}, {result.Elapsed.TotalSeconds:0.00} s{meanwhile}; to undo it: {Invocation.Command()} rollback {mountPoint} --to txid:{before}{path}"));
        }
        return string.Join('\n', lines);
    }

    private static string Json(RollbackResult result, ulong before, ulong after)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("txid", result.Moment.TransactionId);
            writer.WriteString("time", result.Moment.Time.ToString());
            writer.WriteString("root", result.LiveRoot);
            writer.WriteBoolean("dryRun", result.DryRun);
            writer.WriteNumber("before", before);
            writer.WriteNumber("after", after);
            Changes(writer, "changes", result.Changes);
            Changes(writer, "changedMeanwhile", result.ChangedMeanwhile);
            writer.WriteNumber("seconds", Math.Round(result.Elapsed.TotalSeconds, 3));
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Changes(Utf8JsonWriter writer, string name, IReadOnlyList<RollbackChange> changes)
    {
        writer.WriteStartArray(name);
        foreach (var change in changes)
        {
            writer.WriteStartObject();
            writer.WriteString("code", change.Code.ToString());
            writer.WriteString("path", change.Path);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }
}
