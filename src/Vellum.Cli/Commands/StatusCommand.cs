using System.CommandLine;
using System.Globalization;
using Vellum.Host;

namespace Vellum.Cli.Commands;

/// <summary>`vellum status MOUNTPOINT [--json]`: asks the journaled mount at MOUNTPOINT for its journal's state.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var mountPoint = new Argument<string>("MOUNTPOINT") { Description = "where the journaled mount is" };
        var json = new Option<bool>("--json") { Description = "the mount's reply as one JSON object" };
        var command = new VellumCommand("status", "Show a journaled mount's journal position (written / durable), the commit interval and how old the oldest change not yet durable is, the directory it is bound to, the baseline, the scrub and any damage it found, FIFO use, stalls, operations per second, the fsyncs the journal answered alone, and each replication target's state in words (connected, unreachable, authentication failed, disk full at the target, its mirror stopped, how far behind it is). Exits 2 when the journal failed, is full or is damaged. Any user may ask a mount root runs (the status is read-only); an answer from a process of neither root nor yours is refused (exit 3).")
        {
            Examples =
            [
                ("vellum status /mnt/data", "the state of the mount at /mnt/data"),
                ("vellum status /mnt/data --json", "the same as JSON (snake_case fields)"),
            ],
        };
        command.Arguments.Add(mountPoint);
        command.Options.Add(json);
        command.SetRun((parseResult, _) => Run(parseResult.GetRequiredValue(mountPoint), parseResult.GetValue(json)));
        return command;
    }

    /// <summary>The status of the journaled mount at <paramref name="mountPoint"/> (a full path), as `vellum status` asks for it.</summary>
    /// <exception cref="CommandFailure">No journaled mount answers there, or another user's process does.</exception>
    public static MountStatusAnswer Ask(string mountPoint)
    {
        MountStatusAnswer? answer;
        try
        {
            answer = MountStatusClient.Ask(mountPoint);
        }
        catch (InvalidDataException unreadable)
        {
            throw CommandFailure.DataProblem($"{unreadable.Message}; is it served by another version of vellum?");
        }
        catch (UntrustedStatusServerException impostor)
        {
            throw CommandFailure.Environment(impostor.Message);
        }
        if (answer is null)
            throw CommandFailure.Environment($"no journaled vellum mount answers at {mountPoint} (not mounted, mounted with --no-journal, or by another user's process); 'findmnt -t fuse.vellum' lists the mounts vellum serves");
        return answer;
    }

    /// <exception cref="CommandFailure">No journaled mount answers at the mountpoint, or another user's process does.</exception>
    public static int Run(string mountPointArgument, bool json)
    {
        var mountPoint = Path.TrimEndingDirectorySeparator(Path.GetFullPath(mountPointArgument));
        var answer = Ask(mountPoint);
        var status = answer.Status;
        if (json)
        {
            Console.WriteLine(answer.Json);
            return ExitCodes.Done;
        }
        var culture = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(culture, $"""
            mount        {status.MountPoint}
            journal      {status.Journal} (id {status.JournalId}, sync {status.Sync})
            transaction  {status.LastTransactionId} (last begun)
            position     written {status.WrittenPosition:N0}, durable {status.DurablePosition:N0} bytes ({status.WrittenPosition - status.DurablePosition:N0} not yet durable)
            commit       {CommitLine(status.Commit)}
            fifo         {status.FifoBytesInUse:N0} of {status.FifoSize:N0} bytes in use, {status.Stalls} stall(s)
            operations   {status.Operations:N0} recorded, {status.OperationsPerSecond:N0}/s over the last second
            syncs        {status.Syncs:N0} fdatasync(s) of the store
            fsyncs       {status.FsyncsAnsweredByJournal:N0} answered by the journal alone; {status.DeferredFiles} file(s) wait for the checkpoint's backing sync
            """));
        if (status.Binding is { } binding)
            Console.WriteLine($"bound to     {binding.Backing} (device {binding.Device}, inode {binding.Inode}), {(binding.Mark is { } mark ? $"marked with {mark}: a mount of it with another journal is refused" : "without a mark (no extended attributes there): only a second mount while this one runs is refused")}");
        Console.WriteLine(BaselineLine(status.Baseline));
        foreach (var replica in status.Replicas)
        {
            Console.WriteLine($"replica      {replica.Target}: {replica.Words[0]}");
            foreach (var line in replica.Words.Skip(1))
                Console.WriteLine($"               {line}");
        }
        Console.WriteLine(ScrubLine(status.Scrub));
        foreach (var damage in status.Scrub.Damage)
            Console.WriteLine($"DAMAGED      {damage.Description}; repair: {Invocation.Command()} repair {status.Journal} --from COPY");
        if (status.Full is not null)
            Console.WriteLine($"FULL         {status.Full} (changes get ENOSPC until there is room)");
        if (status.Failure is not null)
            Console.WriteLine($"FAILED       {status.Failure}");
        return status.Failure is null && status.Full is null && status.Scrub.Damage.Count == 0 ? ExitCodes.Done : ExitCodes.Data;
    }

    /// <summary>`scrub        idle, every 24 h; last pass 2026-12-07T17:00:00Z: 3 sealed segment(s), 192.0 MiB verified`.</summary>
    private static string ScrubLine(ScrubStatusReply scrub)
    {
        if (scrub.State == "off")
            return "scrub        off (--scrub-interval 0): sealed segments are verified only by 'vellum repair JOURNAL'";
        var culture = CultureInfo.InvariantCulture;
        var every = scrub.IntervalSeconds >= 3600 ? string.Create(culture, $"{scrub.IntervalSeconds / 3600:0.##} h") : string.Create(culture, $"{scrub.IntervalSeconds:0.##} s");
        var pass = string.Create(culture, $"{scrub.SegmentsVerified} sealed segment(s), {scrub.BytesVerified / 1048576.0:N1} MiB verified");
        var last = scrub.LastPassEnded is { } ended ? $"; last pass ended {ended}" : "";
        return scrub.State == "running" ? $"scrub        running, every {every}: {pass} so far{last}" : $"scrub        idle, every {every}: {pass}{last}";
    }

    private static string CommitLine(CommitStatusReply commit)
    {
        var culture = CultureInfo.InvariantCulture;
        if (commit.IntervalSeconds == 0)
            return commit.NotDurableSeconds == 0 ? "no commit interval; everything written is durable" : "no commit interval: what is not yet durable waits for an fsync or 4 MiB more";
        var exposure = commit.NotDurableSeconds is > 0 and var seconds ? string.Create(culture, $"the oldest change not yet durable is at most {seconds:N1} s old") : "everything written is durable";
        return string.Create(culture, $"every {commit.IntervalSeconds:0.###} s without an fsync ({commit.Commits:N0} such commit(s)); {exposure}");
    }

    private static string BaselineLine(BaselineStatusReply baseline)
    {
        var culture = CultureInfo.InvariantCulture;
        var done = string.Create(culture, $"{baseline.ObjectsDone:N0} of {baseline.ObjectsTotal:N0} objects, {baseline.BytesDone / 1048576.0:N1} of {baseline.BytesTotal / 1048576.0:N1} MiB");
        return baseline.State switch
        {
            "running" => string.Create(culture, $"baseline     running: {done}, {baseline.BytesPerSecond / 1048576.0:N1} MiB/s{(baseline.EtaSeconds is { } eta ? $", about {eta:N0} s left" : "")}"),
            "complete" => string.Create(culture, $"baseline     complete: {done}; the journal describes the whole backing directory (checked {baseline.CheckedObjects:N0} names at mount in {baseline.CheckSeconds:N2} s, {baseline.FoundChanges:N0} changed while no mount ran)"),
            "stopped" => $"baseline     STOPPED: {done}; the next mount resumes it",
            _ => "baseline     none: the journal is older than format version 3 and does not hold what the directory held before it",
        };
    }
}
