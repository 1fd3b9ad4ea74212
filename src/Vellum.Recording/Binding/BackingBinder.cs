namespace Vellum.Recording.Binding;

/// <summary>
/// Decides whether a journal may record a backing directory: one directory, one journal. The
/// directory's mark (<see cref="BackingMark"/>) says which journal it is bound to; the journal's
/// record (<see cref="JournalBinding"/>) says which directory, by identity, it journals. A mount
/// goes ahead when both agree with it, or when nothing is bound yet; what could fork a history
/// (another journal, a copy of the directory, a journal that is not where the mark says) needs
/// --rebind-journal, and the refusal says which.
/// </summary>
public static class BackingBinder
{
    public const string RebindOption = "--rebind-journal";

    /// <param name="journal">The journal's directory, a full path.</param>
    /// <param name="journalId">The journal's id (a new journal's, before it is made).</param>
    /// <param name="recordedRoot">The backing path in an existing journal's header; null for a new journal.</param>
    /// <param name="backing">The backing directory with every symlink resolved.</param>
    /// <param name="rebind">Bind on purpose (<see cref="RebindOption"/>): whatever the directory was bound to, and whatever the journal journaled.</param>
    /// <exception cref="JournalMismatchException">The binding does not allow this mount; nothing was changed.</exception>
    public static BindingPlan Check(string journal, Guid journalId, string? recordedRoot, string backing, BackingIdentity identity, bool rebind)
    {
        var recorded = JournalBinding.Read(journal) is { } binding && binding.JournalId == journalId ? binding : null;
        var present = BackingMark.Read(backing);
        var described = $"{backing} ({identity})";
        var rebound = $"bound {described} to the journal {journal} on purpose ({RebindOption})";
        BindingPlan Plan(string? said) => new(journal, backing, identity, journalId, recorded, present, said);

        if (present is { Mark: var mark } && mark.JournalId != journalId)
        {
            if (rebind)
                return Plan($"{rebound}; the journal {mark.Journal} ({mark.JournalId}) it was bound to receives none of its changes from now on");
            throw new JournalMismatchException(BoundElsewhere(backing, mark, journal));
        }
        if (present is not null)
        {
            if (recorded is null || recorded.Backing == identity)
                return Plan(recorded is null && recordedRoot is not null ? $"the journal {journal} had lost its record of {described}; recorded it again" : null);
            var stillThere = BackingIdentity.At(recorded.BackingPath) == recorded.Backing;
            if (recorded.Backing.SameInodeAs(identity) && !stillThere)
                return Plan($"{backing} is on device {identity.Device} now, {recorded.Backing.Device} before (a reboot can renumber disks and volumes): the same directory by its inode and its mark");
            if (rebind)
                return Plan($"{rebound}: it continues the journal of {recorded.BackingPath} ({recorded.Backing})");
            throw new JournalMismatchException(
                $"the backing directory {described} carries the mark of the journal {journal}, which journals {recorded.BackingPath} ({recorded.Backing})"
                + (stillThere ? $", still there: {backing} is a copy of it" : $", no longer there: {backing} was restored or moved onto another disk")
                + $"; if {backing} takes its place, add {RebindOption} to continue the journal with it; otherwise give it a journal of its own with --journal DIR {RebindOption}");
        }
        if (recorded is not null)
        {
            if (recorded.Backing == identity)
                return Plan(recorded.MarkName is null ? null : $"the mark binding {backing} to the journal {journal} was gone (removed beside the mount?); stored it again");
            if (rebind)
                return Plan($"{rebound}: it continues the journal of {recorded.BackingPath} ({recorded.Backing})");
            throw new JournalMismatchException(
                $"the journal {journal} journals {recorded.BackingPath} ({recorded.Backing}), not the backing directory {described}, which carries no mark of it: "
                + $"give {backing} a journal of its own with --journal DIR, or, if it is that directory restored without its extended attributes, add {RebindOption} to continue the journal with it");
        }
        if (recordedRoot is null)
            return Plan(null);
        if (recordedRoot == backing || BackingIdentity.At(recordedRoot) == identity)
            return Plan($"bound {described} to its journal {journal}, made before journals were bound to their directories");
        if (rebind)
            return Plan($"{rebound}: it continues the journal of {recordedRoot}");
        throw new JournalMismatchException(
            $"the journal {journal} records {recordedRoot}, not {backing}: give each backing directory its own journal (--journal DIR), "
            + $"or, if {backing} is that directory moved or restored, add {RebindOption} to continue the journal with it");
    }

    private static string BoundElsewhere(string backing, BackingMark mark, string journal)
    {
        var there = JournalBinding.Read(mark.Journal)?.JournalId == mark.JournalId;
        return there
            ? $"the backing directory {backing} is bound to the journal {mark.Journal} ({mark.JournalId}), not {journal}: mount it with --journal {mark.Journal} (or without --journal), "
              + $"or add {RebindOption} to bind it to {journal} from now on ({mark.Journal} then receives none of its changes)"
            : $"the backing directory {backing} is bound to the journal {mark.JournalId}, last at {mark.Journal}, which is not there (moved, on a disk not mounted, or deleted): "
              + $"give its place with --journal DIR, or, if it is lost, add {RebindOption} to bind {backing} to {journal}";
    }
}
