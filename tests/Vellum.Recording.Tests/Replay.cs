using Vellum.Testing;

namespace Vellum.Recording.Tests;

/// <summary>Replays a journaled mount's whole journal: what a replica built from nothing would hold.</summary>
internal static class Replay
{
    /// <summary>
    /// Replays the (unmounted) mount's journal into ROOT/replay, requires it to equal the
    /// backing directory, and returns the replica's path for a test's own checks.
    /// </summary>
    public static string AssertEqualsBacking(JournaledMount mount)
    {
        var replica = Path.Combine(mount.Root, "replay");
        JournalReplay.Into(mount.Journal, replica);
        TreeComparison.AssertEqual(mount.Backing, replica);
        return replica;
    }
}
