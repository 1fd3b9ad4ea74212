namespace Vellum.Replication;

/// <summary>The target ended the session itself and said why in its closing note (docs/replication.md, "Closing note").</summary>
internal sealed class TargetClosingNoteException(string note) : IOException($"the target ended the session: {note}")
{
    public string Note { get; } = note;

    /// <summary>Whether the note says the target's disk is full (a target of protocol version 2 says so only in these words).</summary>
    public bool SaysDiskFull => Note.Contains("disk is full", StringComparison.Ordinal);
}
