using System.Globalization;
using Vellum.Host;

namespace Vellum.Cli.Commands;

/// <summary>`vellum status MOUNTPOINT [--json]`: asks the journaled mount at MOUNTPOINT for its journal's state.</summary>
internal static class StatusCommand
{
    public const string Usage = "vellum status MOUNTPOINT [--json]";

    public static int Run(IReadOnlyList<string> args)
    {
        var json = args.Contains("--json");
        var positional = args.Where(a => a != "--json").ToList();
        if (positional.Count != 1 || positional[0].StartsWith("--", StringComparison.Ordinal))
            return Cli.Fail($"usage: {Usage}");
        var mountPoint = Path.TrimEndingDirectorySeparator(Path.GetFullPath(positional[0]));
        MountStatusAnswer? answer;
        try
        {
            answer = MountStatusClient.Ask(mountPoint);
        }
        catch (InvalidDataException unreadable)
        {
            return Cli.Fail(unreadable.Message);
        }
        if (answer is null)
            return Cli.Fail($"no journaled vellum mount answers at {mountPoint} (not mounted, mounted with --no-journal, or by another user's process)");
        var status = answer.Status;
        if (json)
        {
            Console.WriteLine(answer.Json);
            return 0;
        }
        var culture = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(culture, $"""
            mount        {status.MountPoint}
            journal      {status.Journal} (id {status.JournalId}, sync {status.Sync})
            transaction  {status.LastTransactionId} (last begun)
            position     written {status.WrittenPosition:N0}, durable {status.DurablePosition:N0} bytes ({status.WrittenPosition - status.DurablePosition:N0} not yet durable)
            fifo         {status.FifoBytesInUse:N0} of {status.FifoSize:N0} bytes in use, {status.Stalls} stall(s)
            operations   {status.Operations:N0} recorded, {status.OperationsPerSecond:N0}/s over the last second
            syncs        {status.Syncs:N0} fdatasync(s) of the store
            fsyncs       {status.FsyncsAnsweredByJournal:N0} answered by the journal alone; {status.DeferredFiles} file(s) wait for the checkpoint's backing sync
            """));
        foreach (var replica in status.Replicas)
        {
            var held = replica.AcknowledgedDurable < 0 ? "nothing acknowledged yet" : string.Create(culture, $"durable up to {replica.AcknowledgedDurable:N0} ({status.WrittenPosition - replica.AcknowledgedDurable:N0} bytes behind)");
            Console.WriteLine($"replica      {replica.Target}: {(replica.Connected ? "connected" : "not connected")}, {held}{(replica.Problem is { } problem ? $"; last problem: {problem}" : "")}");
        }
        if (status.Full is not null)
            Console.WriteLine($"FULL         {status.Full} (changes get ENOSPC until there is room)");
        if (status.Failure is not null)
            Console.WriteLine($"FAILED       {status.Failure}");
        return status.Failure is null && status.Full is null ? 0 : 2;
    }
}
