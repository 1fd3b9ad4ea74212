using Vellum.Replication.Security;

namespace Vellum.Replication.Tests;

/// <summary>
/// Both ends of replication keep every byte of the tree, deleted ones included: whatever the
/// daemons' umask, the source's journal and the target's store (each journal in it, its
/// certificate's directory and key) hold only owner-only directories and files.
/// </summary>
public sealed class PrivateStoreTests
{
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Theory]
    [InlineData(0x000u)]
    [InlineData(0x0BFu)] // 0277
    public void A_journal_and_the_serve_store_that_receives_it_are_owner_only_under_any_umask(uint umask)
    {
        using var rig = ReplicationRig.Create(umask);
        var serve = rig.StartServe(insecure: false);
        rig.StartMount(serve.Endpoint!);
        File.WriteAllText(Path.Combine(rig.MountPoint, "private"), "words for the owner");
        rig.SyncThroughMount();
        rig.WaitForIdenticalStores();

        AssertOwnerOnly(rig.Journal);
        AssertOwnerOnly(rig.Store);
        Assert.NotEmpty(Directory.GetFiles(rig.ReplicaStore, "*.vseg"));
        Assert.True(File.Exists(Path.Combine(rig.Store, "tls", ServerCertificate.KeyFileName)));
        rig.Mount.Unmount();
    }

    /// <summary>Every directory (the top included) is 0700 and every file 0600; the server's certificate alone is public.</summary>
    private static void AssertOwnerOnly(string top)
    {
        Assert.Equal(PrivateDirectory, File.GetUnixFileMode(top));
        foreach (var entry in new DirectoryInfo(top).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            if (entry.Name == ServerCertificate.CertificateFileName)
                continue;
            var want = entry is DirectoryInfo ? PrivateDirectory : PrivateFile;
            Assert.True(want == entry.UnixFileMode, $"{entry.FullName} has mode {Convert.ToString((int)entry.UnixFileMode, 8)}, not {Convert.ToString((int)want, 8)}");
        }
    }
}
