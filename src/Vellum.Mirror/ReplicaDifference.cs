namespace Vellum.Mirror;

/// <summary>One way a replica differs from a fresh replay of its journal: the path ("." for the root), what differs, and both values.</summary>
public sealed record ReplicaDifference(string Path, string Field, string Expected, string Found)
{
    /// <summary>"d1/f: mode: expected 0640, found 0600".</summary>
    public override string ToString() => $"{Path}: {Field}: expected {Expected}, found {Found}";
}
