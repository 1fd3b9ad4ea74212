namespace Vellum.TimeTravel;

/// <summary>What happened to a path between two moments (<see cref="TreeChange"/>).</summary>
public enum TreeChangeKind
{
    /// <summary>The object behind the path is the same at both moments; its content or metadata differs.</summary>
    Changed,
    Created,
    Deleted,
    Renamed,
}
