using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vellum.Cli.Logging;
using Vellum.Mirror;
using Vellum.Store;
using Vellum.TimeTravel;

namespace Vellum.Cli.Commands;

/// <summary>
/// `vellum restore STORE --at MOMENT --to DIR [--path SUBPATH] [--json]`: resolves the moment
/// (docs/time-travel.md) from the store's catalog, says what it resolved to, and restores it into DIR
/// reading only what survives to it;
/// progress on a terminal, one summary line (or JSON object) at the end.
/// </summary>
internal static class RestoreCommand
{
    public static Command Create()
    {
        var store = new Argument<string>("STORE") { Description = "the store: a mount's journal directory, or a 'vellum serve' STORE/<journal id>" };
        var at = new Option<string>("--at")
        {
            Description = $"the moment to restore: {Moment.AcceptedForms}",
            HelpName = "MOMENT",
            Required = true,
        };
        var to = new Option<string>("--to") { Description = "the directory to restore into: new (its parent must exist) or empty", HelpName = "DIR", Required = true };
        var path = new Option<string>("--path") { Description = "restore only this file or directory (relative to the tree's root), as DIR/its last name", HelpName = "SUBPATH" };
        var bestEffort = new Option<bool>("--best-effort") { Description = "on a damaged store, go on past the damage and list the paths that could not be restored exactly (exit status 2), instead of stopping at it" };
        var json = new Option<bool>("--json") { Description = "print a JSON summary: txid, time, directory, path, transactions (applied), skipped (not needed: nothing of them survives), files, bytes, seconds" };
        var command = new VellumCommand("restore", "Put the tree (or a subtree, or one file) as it was at a moment into a new or empty directory, exactly: content (holes stay holes), types, modes, owners, times to the ns, xattrs, hard links, symlinks, devices. Reads from the store only what survives to the moment (through its catalog); works on a live mount's journal and on a 'vellum serve' store without disturbing either.")
        {
            LinePrefix = "vellum restore",
            Examples =
            [
                ("vellum restore JOURNAL --at 15m --to /tmp/before", "the whole tree as it was 15 minutes ago"),
                ("vellum restore JOURNAL --at 2026-12-07T14:02:00 --to /tmp/report --path docs/report.odt", "one file as it was at 14:02 local time, as /tmp/report/report.odt"),
                ("vellum restore /srv/vellum/<journal id> --at txid:1204 --to /tmp/t1204 --json", "from a 'vellum serve' store, the state after transaction 1204, with a JSON summary"),
                ("vellum restore JOURNAL --at 0s --to /tmp/now --best-effort", "a damaged journal: restore past the damage, listing the paths that may not be exact"),
            ],
        };
        command.Arguments.Add(store);
        var allowShared = SharedJournalOption.Create("a store");
        foreach (var option in new Option[] { at, to, path, bestEffort, json, allowShared })
            command.Options.Add(option);
        command.SetRun((parseResult, logs) => Run(
            new RestoreOptions(parseResult.GetRequiredValue(store), parseResult.GetRequiredValue(at), parseResult.GetRequiredValue(to), parseResult.GetValue(path), parseResult.GetValue(json))
            {
                AllowSharedJournal = parseResult.GetValue(allowShared),
                BestEffort = parseResult.GetValue(bestEffort),
            },
            logs));
        return command;
    }

    /// <exception cref="CommandFailure">A moment that does not parse or is out of range, a bad --path (usage); a path that is wrong or a DIR not empty (environment); damage or a refused transaction (data).</exception>
    public static int Run(RestoreOptions options, ILoggerFactory logs)
    {
        var moment = MomentArgument.Parse("--at", options.At);
        PathChecks.ExistingDirectory(options.Store, "the store", "give a journal directory or a 'vellum serve' STORE/<journal id>");
        using var stop = new SignalStop();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            TreeRestore.CheckTarget(options.To);
            using var catalog = CatalogOpening.Open(options.Store, options.AllowSharedJournal, logs);
            CatalogOpening.Report(catalog, logs.CreateLogger("Vellum.Cli"));
            var timeline = StoreTimeline.FromCatalog(catalog, stop.Token, pastDamage: options.BestEffort);
            var resolved = timeline.Resolve(moment, DateTimeOffset.Now);
            CliLog.MomentResolved(logs.CreateLogger("Vellum.Cli"), moment.Text, resolved.ToString(), options.To);
            var progress = Console.IsErrorRedirected ? null : new RestoreProgressLine();
            RestoreSummary summary;
            try
            {
                summary = TreeRestore.Run(catalog, resolved, options.To, options.SubPath, progress is null ? null : progress.Show, stop.Token, options.BestEffort);
            }
            finally
            {
                progress?.End();
            }
            // The whole command's time: resolving the moment reads the store too.
            summary = summary with { Elapsed = clock.Elapsed };
            Console.WriteLine(options.Json ? Json(summary) : Text(summary));
            if (summary.Lost.Count == 0 && summary.NotExact.Count == 0)
                return ExitCodes.Done;
            foreach (var lost in summary.Lost)
                Console.Error.WriteLine($"vellum restore: --best-effort: could not read {lost}");
            Console.Error.WriteLine($"vellum restore: --best-effort: {summary.NotExact.Count:N0} path(s) (as the journal named them) may not be as they were at {resolved}{(summary.Lost.Count > 0 ? ", besides any the lost transactions touched that the catalog had not indexed" : "")}:");
            foreach (var notExact in summary.NotExact)
                Console.Error.WriteLine($"  {notExact}");
            return ExitCodes.Data;
        }
        catch (MomentException outOfRange) when (outOfRange.PastDamage)
        {
            throw CommandFailure.DataProblem($"--at {outOfRange.Message}; repair the store from a copy of the journal ({Invocation.Command()} repair {options.Store} --from COPY), or restore a moment before the damage (or past it with --best-effort, listing what is not exact)");
        }
        catch (MomentException outOfRange)
        {
            throw CommandFailure.Usage($"--at {outOfRange.Message}");
        }
        catch (RestorePathException wrongPath)
        {
            throw CommandFailure.Usage(wrongPath.Message);
        }
        catch (RestoreTargetException target)
        {
            throw CommandFailure.Environment($"--to {target.Message}");
        }
        catch (RestoreDamagedException damaged)
        {
            var repair = $"repair the store from a copy of the journal ({Invocation.Command()} repair {options.Store} --from COPY) and restore again, or restore past the damage with --best-effort";
            throw CommandFailure.DataProblem($"{damaged.Message}; {repair}");
        }
        catch (OperationCanceledException)
        {
            throw CommandFailure.Environment($"stopped by a signal; {options.To} holds part of the tree: remove it");
        }
        catch (Exception refused) when (refused is MirrorException or StoreDamagedException || SystemErrors.IsRefusal(refused))
        {
            throw MirrorCommand.Failure(refused, options.Store);
        }
    }

    private static string Text(RestoreSummary summary) => string.Create(CultureInfo.InvariantCulture,
        $"restored txid:{summary.Moment.TransactionId} ({summary.Moment.Time}) into {summary.Directory}: {summary.Files:N0} files, {summary.Bytes:N0} bytes, {summary.Transactions:N0} transactions applied{Skipped(summary)}, in {summary.Elapsed.TotalSeconds:0.00} s");

    private static string Skipped(RestoreSummary summary) => summary.Skipped == 0 ? ""
        : string.Create(CultureInfo.InvariantCulture, $" ({summary.Skipped:N0} not needed: nothing of them survives to the moment{(summary.SubPath is null ? "" : " under the path")})");

    private static string Json(RestoreSummary summary)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("txid", summary.Moment.TransactionId);
            writer.WriteString("time", summary.Moment.Time.ToString());
            writer.WriteString("directory", summary.Directory);
            if (summary.SubPath is { } subPath)
                writer.WriteString("path", subPath);
            writer.WriteNumber("transactions", summary.Transactions);
            writer.WriteNumber("skipped", summary.Skipped);
            writer.WriteNumber("files", summary.Files);
            if (summary.Lost.Count > 0 || summary.NotExact.Count > 0)
            {
                writer.WriteStartArray("lost");
                foreach (var lost in summary.Lost)
                    writer.WriteStringValue(lost.ToString());
                writer.WriteEndArray();
                writer.WriteStartArray("not_exact");
                foreach (var notExact in summary.NotExact)
                    writer.WriteStringValue(notExact);
                writer.WriteEndArray();
            }
            writer.WriteNumber("bytes", summary.Bytes);
            writer.WriteNumber("seconds", Math.Round(summary.Elapsed.TotalSeconds, 3));
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
