using Vellum.Fifo;
using Vellum.Passthrough;

namespace Vellum.Recording;

/// <summary>
/// What one thread needs between a change's Before and After: its transaction writer
/// (its own stream id), path buffers, and which namespace lock it holds.
/// </summary>
internal sealed class RecorderThread(TransactionWriter writer) : IDisposable
{
    public TransactionWriter Writer { get; } = writer;

    public PathBuffer Path { get; } = new();

    public PathBuffer Path2 { get; } = new();

    /// <summary>The length of the change's PATH in <see cref="Path"/>, or -1 when it has none.</summary>
    public int PathLength { get; set; }

    /// <summary>How many bytes the write or copy in flight journaled as its DATA.</summary>
    public long IntendedBytes { get; set; }

    /// <summary>Whether the change in flight holds the namespace lock exclusively (it can move names).</summary>
    public bool Exclusive { get; set; }

    /// <summary>Whether the change in flight has an open transaction (false for syncs and refused changes).</summary>
    public bool Recording { get; set; }

    /// <summary>The journal's side of an fsync in flight, started in Before and waited for in After.</summary>
    public ulong? PendingSync { get; set; }

    /// <summary>The node whose name the change in flight moves or removes (rename, link, unlink, rmdir), when it could be read.</summary>
    public NodeStat? Moved { get; set; }

    /// <summary>Whether the fsync in flight is answered by the journal alone, its backing file synced at the next checkpoint.</summary>
    public bool SyncCovered { get; set; }

    /// <summary>What the fsync in flight saw as it began, for registering its file after it.</summary>
    public DeferralPoint Deferral { get; set; }

    /// <summary>The command names of the callers this thread met, for each change's CRED.</summary>
    public ProcessCommandNames CommandNames { get; } = new();

    public void Dispose()
    {
        Writer.Dispose();
        CommandNames.Dispose();
    }
}
