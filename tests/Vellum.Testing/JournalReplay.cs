using Vellum.Journal.Operations;
using Vellum.Journal.Scanning;
using Vellum.Mirror;
using Vellum.Store;

namespace Vellum.Testing;

/// <summary>Replays a whole journal into a new directory: what a replica built from nothing would hold.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public static class JournalReplay
{
    /// <summary>
    /// The root's own mode: a baseline journals it, a journal without one (or a synthetic
    /// one) does not, so both roots get the same explicit one: a passthrough in a test
    /// process sets the process umask to 0.
    /// </summary>
    public const UnixFileMode RootMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>
    /// Applies every committed transaction of the store <paramref name="journal"/> to
    /// <paramref name="target"/> (created with <paramref name="rootMode"/>); returns how many.
    /// </summary>
    /// <param name="unfinishedAllowed">Transactions never ended are left out, as a replica leaves a power cut's (the journal's recovery settles them from the backing directory), instead of failing.</param>
    /// <exception cref="InvalidDataException">The journal is damaged, or holds transactions never ended.</exception>
    public static int Into(string journal, string target, UnixFileMode rootMode = RootMode, bool unfinishedAllowed = false)
    {
        Directory.CreateDirectory(target);
        File.SetUnixFileMode(target, rootMode);
        using var store = SegmentStore.OpenReadOnly(journal);
        using var cursor = store.OpenCursor();
        using var applier = new JournalApplier(target);
        var applied = 0;
        while (cursor.TryRead(out var entry))
        {
            if (entry is TransactionEntry transaction)
            {
                applier.Apply(transaction);
                applied++;
            }
        }
        if (cursor.Error is { } error)
            throw new InvalidDataException($"the journal {journal} is damaged: {error.Message}");
        if (cursor.Incomplete.Count > 0 && !unfinishedAllowed)
            throw new InvalidDataException($"the journal {journal} holds {cursor.Incomplete.Count} transaction(s) never ended: {string.Join(", ", cursor.Incomplete)}");
        return applied;
    }

    /// <summary>Every operation of the journal's committed transactions, in order.</summary>
    public static List<JournalOperation> Operations(string journal)
    {
        using var store = SegmentStore.OpenReadOnly(journal);
        using var cursor = store.OpenCursor();
        var operations = new List<JournalOperation>();
        while (cursor.TryRead(out var entry))
        {
            if (entry is TransactionEntry transaction)
                operations.AddRange(transaction.Operations);
        }
        return operations;
    }
}
