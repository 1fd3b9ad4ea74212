using Vellum.Store;

namespace Vellum.TimeTravel;

/// <summary>The directory to restore into cannot take the tree: not new or empty, not a directory, not writable.</summary>
public sealed class RestoreTargetException(string message) : Exception(message);

/// <summary>SUBPATH is not a path inside the tree, or named nothing at the moment.</summary>
public sealed class RestorePathException(string message) : Exception(message);

/// <summary>
/// Damage stopped the replay before the moment: the directory holds the tree exactly as of
/// <see cref="ExactThrough"/> (null: before any transaction), and nothing later.
/// </summary>
public sealed class RestoreDamagedException(string message, ResolvedMoment? exactThrough, StoreDamagedException damage) : Exception(message, damage)
{
    public ResolvedMoment? ExactThrough { get; } = exactThrough;

    public StoreDamagedException Damage { get; } = damage;
}
