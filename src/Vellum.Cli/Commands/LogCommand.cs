using System.Runtime.InteropServices;
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
    public const string Usage = "vellum log PATH [--json] [--from ID] [--to ID] [--follow]";

    private const int UsageError = 1;
    private const int DamageError = 2;

    public static int Run(IReadOnlyList<string> args)
    {
        if (!LogOptions.TryParse(args, out var options, out var problem))
            return Fail(problem, UsageError);
        if (File.Exists(options.Path))
        {
            if (options.Follow)
                return Fail($"--follow needs a store directory; {options.Path} is a file", UsageError);
            using var output = new LogOutput(options.Json);
            return ReadFile(options, output);
        }
        if (Directory.Exists(options.Path))
        {
            using var output = new LogOutput(options.Json);
            return ReadStore(options, output);
        }
        return Fail($"{options.Path}: no such file or directory", UsageError);
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
            return Fail($"{options.Path}: {error.Message}", UsageError);
        }
        catch (IOException error)
        {
            return Fail($"{options.Path}: {error.Message}", DamageError);
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
            return Fail($"{options.Path}: {error.Message}", DamageError);
        }
        output.Finish(0);
        if (scanner.Error is { } damage && !output.Closed)
            return Fail($"{options.Path} at byte {damage.Offset}: {damage.Message}", DamageError);
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
        using var stop = new CancellationTokenSource();
        using var interrupt = options.Follow ? PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop) : null;
        using var terminate = options.Follow ? PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop) : null;
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
            catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
            {
                output.Finish(0);
                return Fail(error.Message, UsageError);
            }
            catch (IOException error)
            {
                output.Finish(0);
                return Fail($"{options.Path}: {error.Message}", DamageError);
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
                    return Fail($"{options.Path}: {error.Message}", DamageError);
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

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    /// <summary>`vellum log: FILE at byte OFFSET: MESSAGE`, the store's own placing taken off the message.</summary>
    private static int ReportDamage(StoreDamagedException damage, string storePath)
    {
        if (damage.File.Length == 0)
            return Fail($"{storePath}: {damage.Message}", DamageError);
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
        return Fail($"{damage.File} at byte {damage.Offset}: {message}", DamageError);
    }

    private static int Fail(string message, int exitCode)
    {
        Console.Error.WriteLine($"vellum log: {message}");
        return exitCode;
    }
}
