using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vellum.Cli.Logging;
using Vellum.Store;
using Vellum.TimeTravel;

namespace Vellum.Cli.Commands;

/// <summary>
/// `vellum ls STORE [PATH] --at MOMENT [--deleted] [-R] [--json]`: a directory (or the tree) as
/// it was, like `ls -l` with sorted names, from a metadata-only replay of the store
/// (<see cref="TreeListing"/>); `--deleted` keeps what existed then and is gone now.
/// </summary>
internal static class LsCommand
{
    public static Command Create()
    {
        var store = new Argument<string>("STORE") { Description = "a store directory: a mount's journal, or a 'vellum serve' STORE/<journal id>" };
        var path = new Argument<string>("PATH") { Description = "the directory, relative to the tree's root (default: the root)", Arity = ArgumentArity.ZeroOrOne };
        var at = new Option<string>("--at") { Description = $"the moment: {Moment.AcceptedForms}", HelpName = "MOMENT", Required = true };
        var deleted = new Option<bool>("--deleted") { Description = "only what existed at the moment and has no such path now: what was lost since" };
        var recursive = new Option<bool>("--recursive", "-R") { Description = "the whole subtree, not only the directory's own entries" };
        var json = new Option<bool>("--json") { Description = "JSON Lines with the fields path, type, mode, uid, gid, size, mtime, target" };
        var command = new VellumCommand("ls", "List a directory (or the whole tree) as it was at a moment, like 'ls -l' with sorted names: type and mode, owner, group, size, modification time, name. With --deleted only what existed then and is gone now. Read by replaying the store's metadata (no file content) up to the moment.")
        {
            LinePrefix = "vellum ls",
            Examples =
            [
                ("vellum ls JOURNAL docs --at 2h", "the directory docs two hours ago"),
                ("vellum ls JOURNAL --at txid:1204 --deleted -R", "every name of the tree at txid:1204 that is gone now"),
            ],
        };
        command.Arguments.Add(store);
        command.Arguments.Add(path);
        var allowShared = SharedJournalOption.Create("a store directory");
        foreach (var option in new Option[] { at, deleted, recursive, json, allowShared })
            command.Options.Add(option);
        command.SetRun((parseResult, logs) => Run(parseResult.GetRequiredValue(store), parseResult.GetValue(path) ?? "", parseResult.GetRequiredValue(at),
            parseResult.GetValue(deleted), parseResult.GetValue(recursive), parseResult.GetValue(json), parseResult.GetValue(allowShared), logs));
        return command;
    }

    /// <exception cref="CommandFailure">A bad moment or a path that was no directory then (usage); no store (environment); damage (data).</exception>
    public static int Run(string storeDirectory, string path, string at, bool deleted, bool recursive, bool json, bool allowShared, ILoggerFactory logs)
    {
        var moment = MomentArgument.Parse("--at", at);
        PathChecks.ExistingDirectory(storeDirectory, "the store", "give a journal directory or a 'vellum serve' STORE/<journal id>");
        SharedJournalOption.CheckForReading(storeDirectory, "the store", allowShared, logs);
        IReadOnlyList<ListedEntry>? entries;
        ResolvedMoment resolved;
        try
        {
            resolved = StoreTimeline.Read(storeDirectory).Resolve(moment, DateTimeOffset.Now);
            CliLog.MomentResolvedFor(logs.CreateLogger("Vellum.Cli"), moment.Text, resolved.ToString(), path.Length == 0 ? "/" : path);
            entries = TreeListing.List(storeDirectory, resolved, path, recursive, deleted);
        }
        catch (MomentException outOfRange)
        {
            throw outOfRange.PastDamage ? CommandFailure.DataProblem($"--at {outOfRange.Message}") : CommandFailure.Usage($"--at {outOfRange.Message}");
        }
        catch (StoreDamagedException damage)
        {
            throw CommandFailure.DataProblem(damage.Message);
        }
        if (entries is null)
            throw CommandFailure.Usage($"{path} was not a directory at {resolved}; for a file's bytes: '{Invocation.Command()} cat {storeDirectory} {path} --at txid:{resolved.TransactionId}'");
        using var output = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
        foreach (var entry in entries)
            output.WriteLine(json ? Json(entry) : Line(entry));
        output.Flush();
        return ExitCodes.Done;
    }

    private static string Line(ListedEntry entry)
    {
        var type = (entry.Type & TreeListing.TypeMask) switch
        {
            TreeListing.DirectoryType => 'd',
            TreeListing.SymlinkType => 'l',
            TreeListing.RegularType => '-',
            0x2000 => 'c',
            0x6000 => 'b',
            0x1000 => 'p',
            0xC000 => 's',
            _ => '?',
        };
        var mtime = entry.Mtime is { } time ? DateTimeOffset.FromUnixTimeSeconds(time.Seconds).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "-";
        var target = entry.Target is null ? "" : " -> " + entry.Target;
        return string.Create(CultureInfo.InvariantCulture, $"{type}{Permissions(entry.Mode)} {entry.Uid,5} {entry.Gid,5} {entry.Size,12} {mtime} {entry.Path}{target}");
    }

    private static string Permissions(uint mode)
    {
        var text = new char[9];
        const string letters = "rwxrwxrwx";
        for (var i = 0; i < 9; i++)
            text[i] = (mode & (1u << (8 - i))) != 0 ? letters[i] : '-';
        return new string(text);
    }

    private static string Json(ListedEntry entry) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["path"] = entry.Path,
        ["type"] = (entry.Type & TreeListing.TypeMask) switch { TreeListing.DirectoryType => "dir", TreeListing.SymlinkType => "symlink", TreeListing.RegularType => "file", _ => "special" },
        ["mode"] = Convert.ToString(entry.Mode, 8),
        ["uid"] = entry.Uid,
        ["gid"] = entry.Gid,
        ["size"] = entry.Size,
        ["mtime"] = entry.Mtime?.ToString(),
        ["target"] = entry.Target,
    });
}
