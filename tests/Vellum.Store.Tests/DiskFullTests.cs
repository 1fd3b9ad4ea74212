using System.Diagnostics;

namespace Vellum.Store.Tests;

/// <summary>A real full filesystem (a 4 MiB tmpfs, unmounted in every path): appends fail cleanly and resume.</summary>
public sealed class DiskFullTests : IDisposable
{
    private readonly string _mountPoint = Directory.CreateTempSubdirectory("vellum-store-full-").FullName;

    public DiskFullTests() => Run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", _mountPoint);

    public void Dispose()
    {
        Run("umount", _mountPoint);
        Directory.Delete(_mountPoint);
    }

    [Fact]
    public void A_full_disk_fails_appends_keeps_every_commit_and_appends_resume_with_space()
    {
        var directory = Path.Combine(_mountPoint, "store");
        var filler = Path.Combine(_mountPoint, "filler");
        var committed = new List<ulong>();
        StoreFullException? full = null;
        using (var store = SegmentStore.Open(directory, Txn.Options(segmentSize: 256 * 1024)))
        {
            File.WriteAllBytes(filler, new byte[3 << 20]);
            for (ulong id = 1; full is null; id++)
            {
                try
                {
                    store.Commit(Txn.Single(id, 3000));
                    committed.Add(id);
                }
                catch (StoreFullException noSpace)
                {
                    full = noSpace;
                }
            }
            Assert.Contains("No space left on device", full.Message);
            Assert.Contains(".vseg", full.Message);
            var onDisk = Directory.GetFiles(directory).Sum(f => new FileInfo(f).Length);
            Assert.Equal(store.WrittenPosition - store.FirstPosition, onDisk);
            Assert.Throws<StoreFullException>(() => store.Commit(Txn.Single(committed[^1] + 1, 3000)));

            File.Delete(filler);
            for (var i = 0; i < 10; i++)
            {
                var id = committed[^1] + 1;
                store.Commit(Txn.Single(id, 3000));
                committed.Add(id);
            }
        }
        using var reopened = SegmentStore.Open(directory, Txn.Options(segmentSize: 256 * 1024));
        Assert.True(reopened.Recovery.IsClean, reopened.Recovery.ToString());
        var (entries, error, incomplete) = Txn.ReadAll(reopened);
        Assert.Null(error);
        Assert.Empty(incomplete);
        Assert.Equal(committed, Txn.Committed(entries));
    }

    private static void Run(string command, params string[] arguments)
    {
        var info = new ProcessStartInfo(command) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', arguments)}: {error}");
    }
}
