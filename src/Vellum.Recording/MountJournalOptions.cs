namespace Vellum.Recording;

public sealed record MountJournalOptions
{
    /// <summary>The store directory; the write-ahead ring file lives in it too.</summary>
    public required string Directory { get; init; }

    /// <summary>The backing directory: paths in the journal are relative to it.</summary>
    public required string BackingDirectory { get; init; }

    /// <summary>Transactions carry UNDO state captured before each change.</summary>
    public bool Reversible { get; init; }

    public SyncMode Sync { get; init; } = SyncMode.Local;

    /// <summary>The FIFO ring: large enough that a stalled fdatasync does not stall writers at once.</summary>
    public int RingSize { get; init; } = 16 << 20;
}
