using System.Diagnostics;
using Xunit.Abstractions;

namespace Vellum.Replication.Tests;

/// <summary>
/// `vellum serve` whose store fills a real filesystem (a small tmpfs under the store,
/// unmounted in every path): the target says so in its log and drops the session, keeps
/// serving and keeps every record it stored, and once there is room the source's next
/// session completes the copy without a restart of either side.
/// </summary>
public sealed class TargetFullDiskTests(ITestOutputHelper output)
{
    private const int MiB = 1 << 20;

    [Fact]
    public void A_full_target_disk_ends_the_session_with_a_clear_line_and_the_stream_resumes_once_there_is_room()
    {
        using var rig = ReplicationRig.Create();
        Directory.CreateDirectory(rig.Store);
        Run("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", rig.Store);
        try
        {
            var serve = rig.StartServe(insecure: true);
            // A retry in the same condition is a debug line: the warning is said once.
            rig.StartMount(serve.Endpoint!, "--log-level", "debug");
            var data = new byte[48 * MiB];
            new Random(7).NextBytes(data);
            File.WriteAllBytes(Path.Combine(rig.MountPoint, "big"), data);
            rig.SyncThroughMount();

            var full = serve.WaitForLine(line => line.Contains("No space left on device", StringComparison.Ordinal), ReplicationRig.Patience);
            Assert.True(full is not null, $"serve said nothing of its full disk\n{rig.Logs}");
            output.WriteLine(full);
            Assert.Contains(rig.Mount.JournalId.ToString(), full);
            Assert.True(serve.Running, $"serve stopped on a full disk\n{rig.Logs}");
            // The source hears why from the target's closing note, without its paths.
            Assert.True(rig.Mount.WaitForLine(line => line.Contains($"the target ended the session: journal {rig.Mount.JournalId}: the target's disk is full at store position", StringComparison.Ordinal), ReplicationRig.Patience),
                $"the source did not hear why\n{rig.Logs}");
            Assert.True(ReplicationRig.StoreDifference(rig.Journal, rig.ReplicaStore) is not null, "the whole journal fitted: the disk was never full");
            // Sessions that store nothing do not reset the source's backoff: it asks less often.
            Assert.True(rig.Mount.WaitForLine(line => line.Contains("retrying in 0.8 s", StringComparison.Ordinal), ReplicationRig.Patience),
                $"the source kept retrying at once\n{rig.Logs}");

            Run("mount", "-o", "remount,size=256m", rig.Store);
            rig.WaitForIdenticalStores();
            rig.Mount.Unmount();
            rig.WaitForMirror();
            rig.AssertMirrorEqualsBacking();
        }
        finally
        {
            // Lazily: serve may still hold its files open here when the test failed.
            Run("umount", "-l", rig.Store);
        }
    }

    private static void Run(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)}: {error}");
    }
}
