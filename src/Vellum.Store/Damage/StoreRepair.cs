namespace Vellum.Store;

/// <summary>What a repair did with one damaged segment: repaired from a copy, or not, and why.</summary>
public sealed record SegmentRepairOutcome(SegmentVerification Found, string? RepairedFrom, IReadOnlyList<string> Refusals)
{
    public bool Repaired => RepairedFrom is not null;
}

/// <summary>What <see cref="StoreRepair.RunAsync"/> found and did.</summary>
public sealed record StoreRepairReport(int SegmentsVerified, long BytesVerified, IReadOnlyList<SegmentRepairOutcome> Damaged)
{
    public bool WasClean => Damaged.Count == 0;

    public bool AllRepaired => Damaged.All(outcome => outcome.Repaired);
}

/// <summary>
/// <c>vellum repair</c>: verifies every segment of a store record by record and replaces each
/// damaged stretch with the same store positions' bytes from the first copy that holds them
/// and makes the segment verify (<see cref="SegmentRepair"/>). Copies of another journal are
/// refused before anything is read from them.
/// </summary>
public static class StoreRepair
{
    /// <exception cref="StoreRepairException">A copy is of another journal (<see cref="StoreRepairException.OtherJournal"/>), or the store's first record cannot be read.</exception>
    public static async Task<StoreRepairReport> RunAsync(string directory, IReadOnlyList<IStoreCopy> copies, CancellationToken cancellation = default)
    {
        var verified = SegmentVerifier.VerifyDirectory(directory);
        if (verified.Count == 0)
            throw new StoreRepairException($"no store at {directory}: it holds no segment files (*{SegmentName.Extension})");
        var damaged = verified.Select((segment, i) => (Segment: segment, IsSealed: i < verified.Count - 1)).Where(s => !s.Segment.IsClean).ToList();
        var bytes = verified.Sum(segment => segment.Length);
        byte[] firstRecord;
        try
        {
            firstRecord = StoreRecovery.ReadFirstRecord(verified[0].File, out _);
        }
        catch (StoreDamagedException unreadable)
        {
            throw new StoreRepairException($"the store's first record, by which a copy is known to be of the same journal, is damaged: {unreadable.Message}", unreadable);
        }
        foreach (var copy in copies)
            await copy.CheckSameJournalAsync(firstRecord, cancellation).ConfigureAwait(false);
        if (damaged.Count == 0)
            return new StoreRepairReport(verified.Count, bytes, []);
        var outcomes = new List<SegmentRepairOutcome>();
        foreach (var (segment, isSealed) in damaged)
            outcomes.Add(await RepairSegmentAsync(segment, isSealed, copies, cancellation).ConfigureAwait(false));
        return new StoreRepairReport(verified.Count, bytes, outcomes);
    }

    /// <summary>
    /// Repairs one damaged segment of the store in <paramref name="directory"/> from one copy,
    /// checked first to be of the same journal: what a running store does with the copies it
    /// knows (its replication targets) when its scrub finds damage.
    /// </summary>
    /// <exception cref="StoreRepairException">The copy is of another journal, cannot be reached, or the store's first record cannot be read.</exception>
    public static async Task<SegmentRepairOutcome> RepairFromAsync(string directory, SegmentVerification segment, bool isSealed, IStoreCopy copy, CancellationToken cancellation = default)
    {
        var files = StoreFiles.List(directory);
        if (files.Count == 0)
            throw new StoreRepairException($"no store at {directory}");
        byte[] firstRecord;
        try
        {
            firstRecord = StoreRecovery.ReadFirstRecord(files[0].Path, out _);
        }
        catch (StoreDamagedException unreadable)
        {
            throw new StoreRepairException($"the store's first record is damaged: {unreadable.Message}", unreadable);
        }
        await copy.CheckSameJournalAsync(firstRecord, cancellation).ConfigureAwait(false);
        return await RepairSegmentAsync(segment, isSealed, [copy], cancellation).ConfigureAwait(false);
    }

    private static async Task<SegmentRepairOutcome> RepairSegmentAsync(SegmentVerification segment, bool isSealed, IReadOnlyList<IStoreCopy> copies, CancellationToken cancellation)
    {
        var refusals = new List<string>();
        foreach (var copy in copies)
        {
            var patches = new List<SegmentPatch>();
            foreach (var damage in segment.Damage)
            {
                if (await copy.ReadAsync(damage.Position, checked((int)damage.Length), cancellation).ConfigureAwait(false) is not { } bytes)
                {
                    refusals.Add($"{copy.Name} does not hold store positions {damage.Position} to {damage.Position + damage.Length}");
                    break;
                }
                patches.Add(new SegmentPatch(damage.Offset, bytes));
            }
            if (patches.Count < segment.Damage.Count)
                continue;
            try
            {
                SegmentRepair.Apply(segment.File, segment.SegmentStart, isSealed, patches);
            }
            catch (StoreRepairException refused)
            {
                refusals.Add($"{copy.Name}: {refused.Message}");
                continue;
            }
            var after = SegmentVerifier.Verify(segment.File, segment.SegmentStart, isSealed);
            if (after.IsClean)
                return new SegmentRepairOutcome(segment, copy.Name, refusals);
            refusals.Add($"{copy.Name}: read back after the repair, the segment still does not verify: {after.Damage[0]}");
        }
        return new SegmentRepairOutcome(segment, null, refusals);
    }
}
