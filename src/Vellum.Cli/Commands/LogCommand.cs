using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Vellum.Journal.Scanning;
using Vellum.Store;

namespace Vellum.Cli.Commands;

/// <summary>
/// `vellum log PATH [--json] [--from ID] [--to ID] [--follow]`: prints the transactions of a
/// segment store (a directory) or of one journal file (a segment or a captured stream), one
/// line per operation. Everything readable is printed before any damage is reported.
/// </summary>
internal static class LogCommand
{
    public static Command Create()
    {
        var path = new Argument<string>("PATH")
        {
            Description = "a store directory (a mount's journal, a 'vellum serve' STORE/<journal id>) or one journal file (a segment or a captured stream)",
        };
        var json = new Option<bool>("--json") { Description = "JSON Lines with the fields transid, time, op, path, path2, offset, length, uid, gid, pid, comm" };
        var from = TransactionIdOption("--from", "the first transaction to print (default: the first)");
        var to = TransactionIdOption("--to", "the last transaction to print (default: the last)");
        var follow = new Option<bool>("--follow") { Description = "after the last transaction, wait for new ones until Ctrl-C or SIGTERM (a store directory only)" };
        var command = new VellumCommand("log", "Print the transactions of a store directory or of a journal file, one line (or JSON object) per operation: transaction id, time, operation, path(s), offset / length / size, uid, gid, pid, command. On damage it prints what it could read, then the file and byte offset of the damage, and exits 2.")
        {
            LinePrefix = "vellum log",
            Examples =
            [
                ("vellum log ~/.local/state/vellum/journals/root_data", "every change the mount of /root/data journaled"),
                ("vellum log JOURNAL --from 100 --to 200 --json", "transactions 100 to 200 as JSON Lines"),
                ("vellum log JOURNAL --follow", "the transactions so far, then each new one as the mount commits it"),
            ],
        };
        command.Arguments.Add(path);
        var allowShared = SharedJournalOption.Create("a store directory");
        foreach (var option in new Option[] { json, from, to, follow, allowShared })
            command.Options.Add(option);
        command.SetRun((parseResult, logs) => Run(
            new LogOptions(parseResult.GetRequiredValue(path), parseResult.GetValue(json), parseResult.GetValue(from) ?? 0, parseResult.GetValue(to) ?? ulong.MaxValue, parseResult.GetValue(follow))
            {
                AllowSharedJournal = parseResult.GetValue(allowShared),
            },
            logs));
        return command;
    }

    private static Option<ulong?> TransactionIdOption(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "ID",
        Arity = ArgumentArity.ExactlyOne,
        CustomParser = result =>
        {
            var value = result.Tokens.Single().Value;
            if (ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                return id;
            result.AddError($"{name} needs a transaction id (a non-negative integer), not '{value}'");
            return null;
        },
    };

    /// <exception cref="CommandFailure">The path is wrong (environment), --follow is given a file (usage), or the journal is damaged (data).</exception>
    public static int Run(LogOptions options, ILoggerFactory logs)
    {
        if (options.From > options.To)
            throw CommandFailure.Usage($"--from {options.From} is above --to {options.To}");
        if (File.Exists(options.Path))
        {
            if (options.Follow)
                throw CommandFailure.Usage($"--follow needs a store directory; {options.Path} is a file");
            using var output = new LogOutput(options.Json);
            return ReadFile(options, output);
        }
        if (Directory.Exists(options.Path))
        {
            SharedJournalOption.CheckForReading(options.Path, "the journal", options.AllowSharedJournal, logs);
            using var output = new LogOutput(options.Json);
            return ReadStore(options, output);
        }
        throw CommandFailure.Environment($"{options.Path}: no such file or directory; give a store directory (a mount's --journal) or a journal file");
    }

    /// <summary>A single segment file or a captured stream, read once with the plain scanner.</summary>
    private static int ReadFile(LogOptions options, LogOutput output)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(options.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        }
        catch (Exception error) when (error is FileNotFoundException or UnauthorizedAccessException)
        {
            return Fail($"{options.Path} cannot be read: {SystemErrors.Describe(error)}", ExitCodes.Environment);
        }
        catch (IOException error)
        {
            return Fail($"{options.Path}: {error.Message}", ExitCodes.Data);
        }

        using var scanner = new JournalScanner(stream);
        var selection = new LogSelection(options, output);
        try
        {
            while (!output.Closed && scanner.TryRead(out var entry))
            {
                if (!selection.Take(entry))
                    return output.Finish(0);
            }
        }
        catch (IOException error)
        {
            output.Finish(0);
            return Fail($"{options.Path}: {error.Message}", ExitCodes.Data);
        }
        output.Finish(0);
        if (scanner.Error is { } damage && !output.Closed)
            return Fail($"{options.Path} at byte {damage.Offset}: {damage.Message}", ExitCodes.Data);
        return 0;
    }

    /// <summary>
    /// A store directory, opened read-only. Following, the store is read again from the first
    /// transaction not yet printed each time its directory changes: a read-only
    /// <see cref="SegmentStore"/> is a snapshot taken at opening, and the store's own follow
    /// (<see cref="SegmentStore.OpenCursor"/> with follow) only wakes on appends made through
    /// the same <see cref="SegmentStore"/> object, never on those of the writing process.
    /// </summary>
    private static int ReadStore(LogOptions options, LogOutput output)
    {
        using var stop = new SignalStop(enabled: options.Follow);
        using var changes = options.Follow ? new LogDirectoryChanges(options.Path) : null;
        var selection = new LogSelection(options, output);
        var next = options.From;
        while (true)
        {
            SegmentStore store;
            try
            {
                store = SegmentStore.OpenReadOnly(options.Path);
            }
            catch (StoreDamagedException damage)
            {
                output.Finish(0);
                return ReportDamage(damage, options.Path);
            }
            catch (UnauthorizedAccessException error)
            {
                output.Finish(0);
                return Fail($"{options.Path} cannot be read: {SystemErrors.Describe(error)}", ExitCodes.Environment);
            }
            catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
            {
                // The directory is there but holds no store (the store says so, naming it).
                output.Finish(0);
                return Fail($"{error.Message}; give a store directory (a mount's --journal) or a journal file", ExitCodes.Environment);
            }
            catch (IOException error)
            {
                output.Finish(0);
                return Fail($"{options.Path}: {error.Message}", ExitCodes.Data);
            }

            using (store)
            {
                if (store.SegmentCount == 0)
                {
                    output.Finish(0);
                    return ReportDamage(store.Damage ?? new StoreDamagedException("the store holds no readable segment"), options.Path);
                }
                StoreDamagedException? damage;
                IReadOnlyList<ulong> incomplete;
                selection.BeginPass();
                try
                {
                    using var cursor = store.OpenCursor(next, follow: false, stop.Token);
                    while (!stop.IsCancellationRequested && !output.Closed && cursor.TryRead(out var entry))
                    {
                        if (!selection.Take(entry))
                            return output.Finish(0);
                    }
                    damage = cursor.Error ?? store.Damage;
                    incomplete = cursor.Incomplete;
                }
                catch (IOException error)
                {
                    output.Finish(0);
                    return Fail($"{options.Path}: {error.Message}", ExitCodes.Data);
                }
                output.Finish(0);
                if (output.Closed || stop.IsCancellationRequested)
                    return 0;
                if (damage is not null)
                    return ReportDamage(damage, options.Path);
                if (changes is null)
                    return 0;
                next = selection.NextPassFrom(incomplete);
            }
            if (!changes.Wait(stop.Token))
                return 0;
        }
    }

    /// <summary>`vellum log: FILE at byte OFFSET: MESSAGE`, the store's own placing taken off the message.</summary>
    private static int ReportDamage(StoreDamagedException damage, string storePath)
    {
        if (damage.File.Length == 0)
            return Fail($"{storePath}: {damage.Message}", ExitCodes.Data);
        var name = Path.GetFileName(damage.File);
        var message = damage.Message;
        foreach (var prefix in new[] { $"{name} at byte {damage.Offset}: ", $"{name}: " })
        {
            if (message.StartsWith(prefix, StringComparison.Ordinal))
            {
                message = message[prefix.Length..];
                break;
            }
        }
        return Fail($"{damage.File} at byte {damage.Offset}: {message}", ExitCodes.Data);
    }

    /// <summary>Throws: the run ends with the line and the exit code (typed as a return for the callers' expressions).</summary>
    private static int Fail(string message, int exitCode) => throw new CommandFailure(exitCode, message);
}
