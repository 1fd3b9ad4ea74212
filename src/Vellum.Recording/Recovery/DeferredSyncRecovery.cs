using Vellum.Fifo;
using Vellum.Journal.Format;
using Vellum.Journal.Scanning;
using Vellum.Mirror;
using Vellum.Native;
using Vellum.Passthrough;
using Vellum.Store;

namespace Vellum.Recording;

/// <summary>
/// At opening, honours the fsyncs a previous mount answered from the journal alone
/// (<see cref="DeferredBackingSyncs"/>), as listed in its <see cref="DeferredSyncTable"/>.
/// Written in this boot, the table only needs a syncfs: a killed process leaves its writes in
/// the page cache. Written in an earlier boot (a power cut or a crash of the machine), the
/// backing files may lack changes whose fsync returned, so each listed file is found by its
/// file handle and the journal's content changes to it from its redo point on are applied
/// again with the mirror's <see cref="JournalApplier"/> (idempotent, in the order they took
/// effect), at the name the file has now. Then the backing filesystem is synced and the table
/// removed.
/// </summary>
internal static class DeferredSyncRecovery
{
    public static DeferredSyncRecoveryReport Run(SegmentStore store, string journalDirectory, string backing)
    {
        var tablePath = Path.Combine(journalDirectory, DeferredSyncTable.FileName);
        if (DeferredSyncTable.Read(tablePath) is not { Entries.Count: > 0 } table)
        {
            File.Delete(tablePath);
            return default;
        }
        var report = table.BootId == BootId.Current()
            ? new DeferredSyncRecoveryReport(table.Entries.Count, false, 0, 0, [])
            : Redo(store, backing, table.Entries);
        LibC.SyncFileSystem(backing);
        File.Delete(tablePath);
        return report;
    }

    private static DeferredSyncRecoveryReport Redo(SegmentStore store, string backing, List<DeferredSync> entries)
    {
        var targets = FindFiles(backing, entries);
        var redone = 0;
        var failures = new List<string>();
        if (targets.Count > 0)
        {
            using var applier = new JournalApplier(backing);
            using var cursor = store.OpenCursor(targets.Values.Min(target => target.From));
            while (cursor.TryRead(out var entry))
            {
                if (entry is not TransactionEntry { Operations: [var operation] } transaction
                    || !IsContentChange(operation.Kind)
                    || operation.Result?.Inode is not { } inode
                    || !targets.TryGetValue(inode, out var target)
                    || transaction.TransactionId < target.From)
                    continue;
                operation.Path = target.Path;
                try
                {
                    applier.Apply(transaction);
                    redone++;
                }
                catch (MirrorException failure)
                {
                    failures.Add($"transaction {transaction.TransactionId}: {failure.Message}");
                }
            }
            if (cursor.Error is { } damage)
                failures.Add(damage.Message);
        }
        return new DeferredSyncRecoveryReport(entries.Count, true, targets.Count, redone, failures);
    }

    /// <summary>The listed files that still exist under a name in the backing directory: inode to (that name, redo point).</summary>
    private static Dictionary<ulong, (byte[] Path, ulong From)> FindFiles(string backing, List<DeferredSync> entries)
    {
        var targets = new Dictionary<ulong, (byte[] Path, ulong From)>();
        var mountFd = BackingInspection.OpenHandleRoot(backing);
        if (mountFd < 0)
            return targets;
        using var paths = new BackingPaths(backing);
        var buffer = new PathBuffer();
        try
        {
            foreach (var entry in entries)
            {
                var fd = BackingInspection.OpenByHandle(mountFd, entry.Handle, out _);
                if (fd < 0)
                    continue;
                try
                {
                    // A file with no name left (unlinked) has nothing to redo: no path reaches it.
                    if (BackingInspection.Stat(fd, out var stat) != Errno.Success || stat.Ino != entry.Inode
                        || paths.Find(fd, buffer) != PathLookup.Found || buffer.Length == 0)
                        continue;
                    var path = buffer.Path.ToArray();
                    var from = targets.TryGetValue(entry.Inode, out var known) ? Math.Min(known.From, entry.FromTransactionId) : entry.FromTransactionId;
                    targets[entry.Inode] = (path, from);
                }
                finally
                {
                    BackingInspection.Close(fd);
                }
            }
        }
        finally
        {
            BackingInspection.Close(mountFd);
        }
        return targets;
    }

    private static bool IsContentChange(SubRecordType kind) =>
        kind is SubRecordType.Write or SubRecordType.Truncate or SubRecordType.SetAttr
            or SubRecordType.SetXattr or SubRecordType.RemoveXattr or SubRecordType.Fallocate;
}

/// <summary>
/// What opening did about fsyncs answered from the journal alone: files listed; whether the
/// machine had restarted since (else a syncfs was enough); files found to redo, transactions
/// applied again, and those that could not be (they stay in the journal).
/// </summary>
public readonly record struct DeferredSyncRecoveryReport(int Listed, bool MachineRestarted, int Found, int Redone, IReadOnlyList<string> Failures)
{
    public override string ToString()
    {
        if (Listed == 0)
            return "";
        if (!MachineRestarted)
            return $"synced the backing directory for {Listed} file(s) whose fsyncs the journal had answered";
        var text = $"the machine restarted since the last mount: redid {Redone} change(s) from the journal on {Found} of {Listed} file(s) whose fsyncs the journal had answered";
        return Failures.Count == 0 ? text : $"{text}; {Failures.Count} could not be redone (they stay in the journal): {string.Join("; ", Failures.Take(3))}";
    }
}
