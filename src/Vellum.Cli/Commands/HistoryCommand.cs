using System.CommandLine;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Vellum.Catalog;
using Vellum.Cli.Logging;
using Vellum.Store;
using Vellum.TimeTravel;

namespace Vellum.Cli.Commands;

/// <summary>
/// `vellum history STORE PATH [--at MOMENT] [--json] [--since MOMENT] [--until MOMENT]`: every transaction
/// that touched a file or directory, oldest first, across renames and hard links, answered from
/// the catalog beside the store (brought up to date first; docs/catalog.md).
/// </summary>
internal static class HistoryCommand
{
    public static Command Create()
    {
        var store = new Argument<string>("STORE") { Description = "a store directory: a mount's journal, or a 'vellum serve' STORE/<journal id>" };
        var path = new Argument<string>("PATH") { Description = "the file or directory, relative to the tree's root (or absolute under the backing directory): its path now, or a path it had before it was deleted" };
        var json = new Option<bool>("--json") { Description = "JSON Lines with the fields transid, time, op, role, path, path2, size, uid, gid, pid, comm" };
        var at = MomentOption("--at", "the file or directory PATH named at this moment, for a path deleted or given to another file since (default: what it names now, or last named)");
        var since = MomentOption("--since", "the first moment to list (inclusive)");
        var until = MomentOption("--until", "the last moment to list (inclusive)");
        var command = new VellumCommand("history", "List every transaction that touched a file or directory, oldest first, following it across renames and hard links: transaction id, time, operation, path(s) at the time, size after, uid, gid, pid and command name. Answered from the catalog beside the store (STORE/catalog.sqlite), which it builds or brings up to date first; works on a live mount's journal (what is durable) and on a 'vellum serve' store.")
        {
            LinePrefix = "vellum history",
            Examples =
            [
                ("vellum history ~/.local/state/vellum/journals/_srv_data report.txt", "every change to /srv/data/report.txt, through all its names"),
                ("vellum history JOURNAL old/name.txt --since 2026-12-07T14:00:00Z", "a deleted file, by a name it had, from 14:00 UTC on"),
                ("vellum history JOURNAL a.txt --until txid:500 --json", "up to transaction 500, as JSON Lines"),
                ("vellum history JOURNAL notes.txt --at 2h", "the whole history of the file that was notes.txt two hours ago"),
            ],
        };
        command.Arguments.Add(store);
        command.Arguments.Add(path);
        var allowShared = SharedJournalOption.Create("a store directory");
        foreach (var option in new Option[] { at, json, since, until, allowShared })
            command.Options.Add(option);
        command.SetRun((parseResult, logs) => Run(
            new HistoryOptions(parseResult.GetRequiredValue(store), parseResult.GetRequiredValue(path), parseResult.GetValue(json), parseResult.GetValue(since), parseResult.GetValue(until))
            {
                AllowSharedJournal = parseResult.GetValue(allowShared),
                At = parseResult.GetValue(at),
            },
            logs));
        return command;
    }

    private static Option<Moment?> MomentOption(string name, string description) => new(name)
    {
        Description = $"{description}: {Moment.AcceptedForms}",
        HelpName = "MOMENT",
        Arity = ArgumentArity.ExactlyOne,
        CustomParser = result =>
        {
            var value = result.Tokens.Single().Value;
            try
            {
                return Moment.Parse(value);
            }
            catch (MomentException unparsable)
            {
                result.AddError($"{name} {unparsable.Message}");
                return null;
            }
        },
    };

    /// <summary>
    /// The transactions between two moments, each inclusive: a txid bounds the ids, a time or an
    /// age the times the changes began at (a time names the changes that took effect at or before it, docs/time-travel.md).
    /// </summary>
    private static HistoryRange Range(Moment? since, Moment? until)
    {
        var now = DateTimeOffset.UtcNow;
        long? Nanoseconds(Moment? moment) => moment is { Kind: not MomentKind.TransactionId } timed && timed.TimeAt(now) is var time
            ? time.Seconds * 1_000_000_000 + time.Nanoseconds
            : null;
        ulong? Id(Moment? moment) => moment is { Kind: MomentKind.TransactionId } id ? id.TransactionId : null;
        return new HistoryRange(Id(since) ?? 0, Id(until) ?? ulong.MaxValue, Nanoseconds(since) ?? long.MinValue, Nanoseconds(until) ?? long.MaxValue);
    }

    /// <exception cref="CommandFailure">No store there (environment), a damaged store (data).</exception>
    public static int Run(HistoryOptions options, ILoggerFactory logs)
    {
        var logger = logs.CreateLogger("Vellum.Cli");
        var catalog = CatalogOpening.Open(options.Store, options.AllowSharedJournal, logs);
        using (catalog)
        {
            CatalogOpening.Report(catalog, logger);
            var answer = options.At is { } at ? HistoryAt(catalog, options, at, logger) : catalog.History(options.Path, Range(options.Since, options.Until));
            if (answer.Object is null)
            {
                throw CommandFailure.Environment($"{options.Path}: nothing in the journal ever had that path (transactions up to store position {catalog.LastUpdate.IndexedUpTo}); give it relative to the tree's root, as 'vellum log {options.Store}' prints paths");
            }
            if (!answer.ExistsNow && options.At is null)
                CliLog.HistoryOfGone(logger, options.Path, Which(answer));
            using var output = new HistoryOutput(options.Json);
            foreach (var entry in answer.Entries)
                output.Write(entry);
            output.Finish(0);
            if (catalog.LastUpdate.Damage is { } damage)
                throw CommandFailure.DataProblem($"{damage}; the history above ends there");
            return 0;
        }
    }

    /// <exception cref="CommandFailure">The moment is outside the store's range, or PATH named nothing then (usage).</exception>
    private static HistoryAnswer HistoryAt(StoreCatalog catalog, HistoryOptions options, Moment at, ILogger logger)
    {
        var resolved = CatalogMoment.Resolve(catalog, options.Store, at, DateTimeOffset.Now);
        CliLog.HistoryAtResolved(logger, at.Text, resolved.ToString(), options.Path);
        return catalog.HistoryAt(options.Path, resolved.TransactionId, Range(options.Since, options.Until))
            ?? throw CommandFailure.Usage($"{options.Path} named nothing at {resolved}; 'vellum ls {options.Store} --at txid:{resolved.TransactionId}' lists what was there");
    }

    private static string Which(HistoryAnswer answer)
    {
        var last = answer.Entries.Count == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $" (last touched by transaction {answer.Entries[^1].TransactionId})");
        if (answer.OtherCandidates.Count == 0)
            return $"not the name of anything in the tree now (or of what has it now, up to --until): the history of the file or directory that had it{last}";
        var others = string.Join(", ", answer.OtherCandidates.Select(candidate => string.Create(CultureInfo.InvariantCulture, $"one last touched by transaction {candidate.LastTransactionId}")));
        return $"not the name of anything in the tree now (or of what has it now, up to --until): {answer.OtherCandidates.Count + 1} files or directories had it; this is the one that had it last{last}; the others: {others} (choose one with --until txid:N)";
    }
}
