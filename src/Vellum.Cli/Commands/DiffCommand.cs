using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vellum.Cli.Logging;
using Vellum.Store;
using Vellum.TimeTravel;

namespace Vellum.Cli.Commands;

/// <summary>
/// `vellum diff STORE --from MOMENT [--to MOMENT] [--json]`: the paths created, deleted,
/// renamed, and changed in content or metadata between two moments (docs/time-travel.md 7),
/// one line each sorted by path, or JSON Lines.
/// </summary>
internal static class DiffCommand
{
    public static Command Create()
    {
        var store = new Argument<string>("STORE") { Description = "the store: a mount's journal directory, or a 'vellum serve' STORE/<journal id>" };
        var from = new Option<string>("--from") { Description = $"the earlier moment: {Moment.AcceptedForms}", HelpName = "MOMENT", Required = true };
        var to = new Option<string>("--to") { Description = "the later moment (default: the newest the store holds)", HelpName = "MOMENT" };
        var json = new Option<bool>("--json") { Description = "JSON Lines with the fields status, path, old_path, content, metadata, type" };
        var command = new VellumCommand("diff", "List what changed in the tree between two moments: paths created (A), deleted (D), renamed (R old -> new), changed in content (M) or metadata (m: mode, owner, xattrs, times), one line each sorted by path. Follows each file across renames and hard links; works on a live mount's journal and on a 'vellum serve' store.")
        {
            LinePrefix = "vellum diff",
            Examples =
            [
                ("vellum diff JOURNAL --from 15m", "what changed in the last 15 minutes"),
                ("vellum diff JOURNAL --from txid:1204 --to txid:1300", "between two transactions"),
                ("vellum diff JOURNAL --from 2026-12-07T14:00:00 --json", "since 14:00 local time, as JSON Lines"),
            ],
        };
        command.Arguments.Add(store);
        var allowShared = SharedJournalOption.Create("a store");
        foreach (var option in new Option[] { from, to, json, allowShared })
            command.Options.Add(option);
        command.SetRun((parseResult, logs) => Run(
            parseResult.GetRequiredValue(store), parseResult.GetRequiredValue(from), parseResult.GetValue(to), parseResult.GetValue(json), parseResult.GetValue(allowShared), logs));
        return command;
    }

    /// <exception cref="CommandFailure">A moment that does not parse or is out of range, --to before --from (usage); a missing store (environment); damage (data).</exception>
    public static int Run(string storeDirectory, string fromText, string? toText, bool json, bool allowShared, ILoggerFactory logs)
    {
        var from = MomentArgument.Parse("--from", fromText);
        var to = toText is null ? null : MomentArgument.Parse("--to", toText);
        PathChecks.ExistingDirectory(storeDirectory, "the store", "give a journal directory or a 'vellum serve' STORE/<journal id>");
        SharedJournalOption.CheckForReading(storeDirectory, "the store", allowShared, logs);
        using var stop = new SignalStop();
        var log = logs.CreateLogger("Vellum.Cli");
        try
        {
            var timeline = StoreTimeline.Read(storeDirectory, stop.Token);
            var now = DateTimeOffset.Now;
            var start = Resolve("--from", timeline, from, now, storeDirectory);
            var end = to is null ? timeline.Newest!.Value : Resolve("--to", timeline, to, now, storeDirectory);
            CliLog.DiffMomentResolved(log, "--from", from.Text, start.ToString());
            CliLog.DiffMomentResolved(log, "--to", to?.Text ?? "(the newest)", end.ToString());
            if (start.TransactionId > end.TransactionId)
                throw CommandFailure.Usage($"--from {from.Text} ({start}) is after --to {to?.Text} ({end}); give the earlier moment as --from");
            var changes = TreeDiff.Run(storeDirectory, start, end, stop.Token);
            var lines = new StdoutLines();
            foreach (var change in changes)
                lines.Write(json ? Json(change) : Text(change));
            return lines.Finish(ExitCodes.Done);
        }
        catch (OperationCanceledException)
        {
            throw CommandFailure.Environment("stopped by a signal");
        }
        catch (StoreDamagedException damage)
        {
            throw CommandFailure.DataProblem($"{damage.Message}; repair the store from a copy of the journal ({Invocation.Command()} repair {storeDirectory} --from COPY), or diff moments before the damage");
        }
    }

    private static ResolvedMoment Resolve(string option, StoreTimeline timeline, Moment moment, DateTimeOffset now, string storeDirectory)
    {
        try
        {
            return timeline.Resolve(moment, now);
        }
        catch (MomentException outOfRange) when (outOfRange.PastDamage)
        {
            throw CommandFailure.DataProblem($"{option} {outOfRange.Message}; repair the store from a copy of the journal ({Invocation.Command()} repair {storeDirectory} --from COPY), or diff moments before the damage");
        }
        catch (MomentException outOfRange)
        {
            throw CommandFailure.Usage($"{option} {outOfRange.Message}");
        }
    }

    private static string Text(TreeChange change)
    {
        var path = TreeChange.Shown(change.Path) + (change.Type == "directory" ? "/" : "");
        return change.OldPath is { } old ? $"{change.Code,-3} {TreeChange.Shown(old)}{(change.Type == "directory" ? "/" : "")} -> {path}" : $"{change.Code,-3} {path}";
    }

    private static string Json(TreeChange change)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("status", change.Code);
            writer.WriteString("path", TreeChange.Shown(change.Path));
            if (change.OldPath is { } old)
                writer.WriteString("old_path", TreeChange.Shown(old));
            writer.WriteBoolean("content", change.Content);
            writer.WriteBoolean("metadata", change.Metadata);
            writer.WriteString("type", change.Type);
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
