using System.CommandLine;
using Microsoft.Extensions.Logging;
using Vellum.Catalog;
using Vellum.Cli.Logging;
using Vellum.Store;
using Vellum.TimeTravel;

namespace Vellum.Cli.Commands;

/// <summary>
/// `vellum cat STORE PATH --at MOMENT`: one file's bytes as they were, to stdout, rebuilt from
/// only that file's transactions (found through the catalog, read at the store positions it
/// keeps), never by replaying the tree (docs/time-travel.md 5).
/// </summary>
internal static class CatCommand
{
    public static Command Create()
    {
        var store = new Argument<string>("STORE") { Description = "a store directory: a mount's journal, or a 'vellum serve' STORE/<journal id>" };
        var path = new Argument<string>("PATH") { Description = "the file, relative to the tree's root (or absolute under the backing directory), as it was named at the moment" };
        var at = new Option<string>("--at") { Description = $"the moment: {Moment.AcceptedForms}", HelpName = "MOMENT", Required = true };
        var command = new VellumCommand("cat", "Write a file's bytes as they were at a moment to stdout, exactly (holes read as zeros). Only that file's transactions are read: the catalog beside the store (STORE/catalog.sqlite, built or brought up to date first) says which, and where they lie. Works on a live mount's journal (what is durable) and on a 'vellum serve' store.")
        {
            LinePrefix = "vellum cat",
            Examples =
            [
                ("vellum cat JOURNAL report.txt --at 15m > report-15m-ago.txt", "report.txt as it was 15 minutes ago"),
                ("vellum cat JOURNAL old/name.txt --at txid:1204", "a file since renamed or deleted, by the name it had then"),
            ],
        };
        command.Arguments.Add(store);
        command.Arguments.Add(path);
        var allowShared = SharedJournalOption.Create("a store directory");
        command.Options.Add(at);
        command.Options.Add(allowShared);
        command.SetRun((parseResult, logs) => Run(parseResult.GetRequiredValue(store), parseResult.GetRequiredValue(path), parseResult.GetRequiredValue(at), parseResult.GetValue(allowShared), logs));
        return command;
    }

    /// <exception cref="CommandFailure">A bad moment or a path that named no file then (usage); no store (environment); damage (data).</exception>
    public static int Run(string storeDirectory, string path, string at, bool allowShared, ILoggerFactory logs)
    {
        var moment = MomentArgument.Parse("--at", at);
        var logger = logs.CreateLogger("Vellum.Cli");
        using var catalog = CatalogOpening.Open(storeDirectory, allowShared, logs);
        CatalogOpening.Report(catalog, logger);
        var resolved = CatalogMoment.Resolve(catalog, storeDirectory, moment, DateTimeOffset.Now);
        CliLog.MomentResolvedFor(logger, moment.Text, resolved.ToString(), path);
        var file = FileAtMoment.Find(catalog, path, resolved.TransactionId, out var existed)
            ?? throw CommandFailure.Usage($"{path} did not exist at {resolved}; {Existed(path, existed)}");
        using var content = new FileStream(Path.Combine(Path.GetTempPath(), $"vellum-cat-{Environment.ProcessId}-{Guid.NewGuid():N}"), new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Options = FileOptions.DeleteOnClose,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        try
        {
            file.WriteContent(content.SafeFileHandle);
        }
        catch (NotAFileException notAFile) when (notAFile.What == "directory")
        {
            throw CommandFailure.Usage($"{path} was a directory at {resolved}; list it with '{Invocation.Command()} ls {storeDirectory} {path} --at txid:{resolved.TransactionId}'");
        }
        catch (NotAFileException notAFile)
        {
            throw CommandFailure.Usage($"{path} was not a regular file at {resolved}: {notAFile.Message}");
        }
        catch (StoreDamagedException damage)
        {
            throw CommandFailure.DataProblem($"{path} at {resolved} cannot be rebuilt: {damage.Message}");
        }
        content.Position = 0;
        using var stdout = Console.OpenStandardOutput();
        try
        {
            content.CopyTo(stdout, 1 << 20);
            stdout.Flush();
        }
        catch (IOException) when (!content.CanRead || content.Position > 0)
        {
            // The reader closed the pipe (head, less): what it wanted it had.
        }
        return ExitCodes.Done;
    }

    private static string Existed(string path, IReadOnlyList<FileAtMoment.Span> existed)
    {
        if (existed.Count == 0)
            return $"nothing in the journal ever had that name; give it relative to the tree's root, as 'vellum log' prints paths";
        var spans = existed.Select(span => span.Until is { } until
            ? $"from txid:{span.From} ({span.FromTime}) until txid:{until} ({span.UntilTime}), which removed or renamed it"
            : $"from txid:{span.From} ({span.FromTime}) on (it exists now)");
        return $"{path} existed {string.Join("; ", spans)}";
    }
}
