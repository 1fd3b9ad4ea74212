using System.Runtime.InteropServices;
using Vellum.Mirror;
using Vellum.Store;

namespace Vellum.Cli.Commands;

/// <summary>
/// `vellum mirror --store DIR --to REPLICA [--follow]`: applies the store's transactions to
/// the replica directory (docs/mirror.md) and prints one summary line. Following, it applies
/// new transactions as the store grows until Ctrl-C or SIGTERM.
/// </summary>
internal static class MirrorCommand
{
    public const string Usage = "vellum mirror --store DIR --to REPLICA [--follow]";

    /// <summary>A transaction refused or failed, a damaged store, or a replica of another journal.</summary>
    private const int StoppedError = 2;

    public static int Run(string[] args)
    {
        if (!MirrorOptions.TryParse(args, out var options, out var problem))
            return Cli.Fail($"mirror: {problem}");
        if (!Directory.Exists(options.Store))
            return Cli.Fail($"mirror: no store at {options.Store}: the directory does not exist");

        using var stop = new CancellationTokenSource();
        using var interrupt = options.Follow ? PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop) : null;
        using var terminate = options.Follow ? PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop) : null;
        MirrorRunner mirror;
        try
        {
            mirror = MirrorRunner.Open(options.Store, options.Replica);
        }
        catch (IOException error)
        {
            return Stopped(error.Message);
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
                return Stopped(damage.File.Length == 0 ? $"{options.Store}: {damage.Message}" : $"store damaged: {damage.File} at byte {damage.Offset}: {damage.Message}");
            }
            catch (IOException error)
            {
                PrintSummary(mirror);
                return Stopped(error.Message);
            }
            PrintSummary(mirror);
            return 0;
        }

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    /// <summary>`applied N transactions; REPLICA is at transaction T of journal UUID`.</summary>
    private static void PrintSummary(MirrorRunner mirror)
    {
        var at = mirror.Position is { } position
            ? $"at transaction {position.TransactionId} of journal {position.JournalId}"
            : "at the start of the journal";
        Console.WriteLine($"applied {mirror.Applied} transaction{(mirror.Applied == 1 ? "" : "s")}; {mirror.ReplicaDirectory} is {at}");
    }

    private static int Stopped(string message)
    {
        Cli.Fail($"mirror: {message}");
        return StoppedError;
    }
}
