namespace Vellum.Replication;

/// <summary>What a connection is for, said in the hello (docs/replication.md). Persisted on the wire: the values never change.</summary>
public enum SessionKind : ushort
{
    /// <summary>The source streams its records to the target's replica store.</summary>
    Replicate = 0,

    /// <summary>The source reads ranges of the target's copy of its journal, to repair its own (or another copy) from them.</summary>
    Fetch = 1,
}
