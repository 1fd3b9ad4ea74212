using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vellum.Cli.Logging;
using Vellum.Mirror;
using Vellum.Store;
using Vellum.TimeTravel;
using Vellum.TimeTravel.Undo;

namespace Vellum.Cli.Commands;

/// <summary>
/// `vellum undo --store STORE --mirror REPLICA --to MOMENT [--json]`: rolls a replica made by
/// `vellum mirror` back to MOMENT with the UNDO records of a reversible journal, under the
/// replica's lock, and moves its position there (docs/time-travel.md 9).
/// </summary>
internal static class UndoCommand
{
    public static Command Create()
    {
        var store = new Option<string>("--store") { Description = "the store the replica mirrors: a mount's journal directory, or a 'vellum serve' STORE/<journal id>", HelpName = "STORE", Required = true };
        var mirror = new Option<string>("--mirror") { Description = "the replica directory, made by 'vellum mirror --store STORE --to REPLICA'", HelpName = "REPLICA", Required = true };
        var to = new Option<string>("--to")
        {
            Description = $"the moment to take the replica back to, at or before its position: {Moment.AcceptedForms}",
            HelpName = "MOMENT",
            Required = true,
        };
        var json = new Option<bool>("--json") { Description = "print a JSON object: txid, time, from_txid, from_time, transactions, replica, seconds" };
        var command = new VellumCommand("undo", "Roll a mirror's replica back to an earlier moment in place, with the UNDO records of a journal mounted with --reversible (what each change destroyed): newest change first, only what changed since. The replica's position moves to the moment, so 'vellum mirror' later brings it forward again. A journal (or a stretch of it) without UNDO is refused before anything changes; 'vellum restore --at' works on any journal.")
        {
            LinePrefix = "vellum undo",
            Examples =
            [
                ("vellum undo --store JOURNAL --mirror /backup/data --to 15m", "the replica as it was 15 minutes ago"),
                ("vellum undo --store JOURNAL --mirror /backup/data --to txid:1204 --json", "the state after transaction 1204, with a JSON summary"),
                ("vellum mirror --store JOURNAL --to /backup/data", "afterwards: bring the replica forward again"),
            ],
        };
        var allowShared = SharedJournalOption.Create("a store");
        foreach (var option in new Option[] { store, mirror, to, json, allowShared })
            command.Options.Add(option);
        command.SetRun((parseResult, logs) => Run(
            parseResult.GetRequiredValue(store), parseResult.GetRequiredValue(mirror), parseResult.GetRequiredValue(to), parseResult.GetValue(json),
            parseResult.GetValue(allowShared), logs));
        return command;
    }

    /// <exception cref="CommandFailure">Usage (a moment out of range or after the replica's position, a journal without UNDO for the range); environment (a missing path, a replica another writer holds); data (another journal's replica, damage, an inverse the replica refused).</exception>
    private static int Run(string storeDirectory, string replica, string to, bool json, bool allowShared, ILoggerFactory logs)
    {
        var moment = MomentArgument.Parse("--to", to);
        PathChecks.ExistingDirectory(storeDirectory, "the store", "give a journal directory or a 'vellum serve' STORE/<journal id>");
        PathChecks.ExistingDirectory(replica, "the replica", "give a directory made by 'vellum mirror --store STORE --to REPLICA'");
        SharedJournalOption.CheckForReading(storeDirectory, "the store", allowShared, logs);
        var logger = logs.CreateLogger("Vellum.Cli");
        using var stop = new SignalStop();
        try
        {
            var summary = MirrorUndo.Run(storeDirectory, replica, moment, DateTimeOffset.Now,
                (at, from) => CliLog.UndoResolved(logger, moment.Text, at.ToString(), replica, from.ToString()), stop.Token);
            Console.WriteLine(json ? Json(summary) : Text(summary, storeDirectory));
            return ExitCodes.Done;
        }
        catch (MomentException outOfRange) when (outOfRange.PastDamage)
        {
            throw CommandFailure.DataProblem($"--to {outOfRange.Message}; repair the store from a copy of the journal ({Invocation.Command()} repair {storeDirectory} --from COPY)");
        }
        catch (MomentException outOfRange)
        {
            throw CommandFailure.Usage($"--to {outOfRange.Message}");
        }
        catch (UndoRefusedException refused)
        {
            var restore = $"{Invocation.Command()} restore {storeDirectory} --at {to} --to DIR";
            throw CommandFailure.Usage(refused.TransactionId is null
                ? $"{refused.Message}; nothing was changed"
                : $"cannot undo {replica} to {to}: {refused.Message} (only a journal mounted with --reversible records UNDO); nothing was changed. Restore the moment into a new directory instead: {restore}");
        }
        catch (OperationCanceledException)
        {
            throw CommandFailure.Environment($"stopped by a signal before {replica} was changed");
        }
        catch (Exception failed) when (failed is MirrorException or StoreDamagedException || SystemErrors.IsRefusal(failed))
        {
            throw MirrorCommand.Failure(failed, storeDirectory);
        }
    }

    private static string Text(UndoSummary summary, string store) => summary.Transactions == 0
        ? $"{summary.Replica} is at txid:{summary.Moment.TransactionId} ({summary.Moment.Time}) already: nothing to undo"
        : string.Create(CultureInfo.InvariantCulture,
            $"undid {summary.Transactions:N0} transaction(s) of {summary.Replica}: from txid:{summary.From.TransactionId} back to txid:{summary.Moment.TransactionId} ({summary.Moment.Time}), in {summary.Elapsed.TotalSeconds:0.00} s; '{Invocation.Command()} mirror --store {store} --to {summary.Replica}' re-applies them");

    private static string Json(UndoSummary summary)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("txid", summary.Moment.TransactionId);
            writer.WriteString("time", summary.Moment.Time.ToString());
            writer.WriteNumber("from_txid", summary.From.TransactionId);
            writer.WriteString("from_time", summary.From.Time.ToString());
            writer.WriteNumber("transactions", summary.Transactions);
            writer.WriteString("replica", summary.Replica);
            writer.WriteNumber("seconds", Math.Round(summary.Elapsed.TotalSeconds, 3));
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
