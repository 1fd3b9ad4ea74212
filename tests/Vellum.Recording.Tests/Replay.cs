using Vellum.Testing;

namespace Vellum.Recording.Tests;

/// <summary>Replays a journaled mount's whole journal: what a replica built from nothing would hold.</summary>
internal static class Replay
{
    /// <summary>Replays the (unmounted) mount's journal into ROOT/replay and requires it to equal the backing directory.</summary>
    public static void AssertEqualsBacking(JournaledMount mount)
    {
        var replica = Path.Combine(mount.Root, "replay");
        JournalReplay.Into(mount.Journal, replica);
        TreeComparison.AssertEqual(mount.Backing, replica);
    }
}
