namespace Vellum.Passthrough;

/// <summary>
/// A node handed to the caller with one lookup reference (FUSE's entry reply). Node ids are
/// never reused, so <see cref="Generation"/> is always 0.
/// </summary>
public readonly record struct NodeEntry(ulong NodeId, ulong Generation, NodeStat Attributes);
