using System.Diagnostics;
using System.IO.MemoryMappedFiles;
using System.Text;
using Vellum.Native;
using Vellum.Testing;

namespace Vellum.Recording.Tests;

/// <summary>
/// Several opens of one file at once, read-only and writable, on the default (kernel
/// passthrough) journaled mount: every open succeeds, each sees the others' writes as on
/// ext4, and the journal still has every byte, shared mappings included.
/// </summary>
public sealed class OpenModeTests
{
    [Fact]
    public void A_file_open_read_only_opens_read_only_again_and_both_read_it()
    {
        using var mount = JournaledMount.Start();
        var file = Path.Combine(mount.MountPoint, "f");
        File.WriteAllText(file, "shared");

        using var first = File.OpenHandle(file, FileMode.Open, FileAccess.Read);
        using var second = File.OpenHandle(file, FileMode.Open, FileAccess.Read);

        Assert.Equal("shared", ReadAll(first));
        Assert.Equal("shared", ReadAll(second));
    }

    [Fact]
    public void A_writable_open_beside_a_read_only_one_is_seen_by_it_and_journaled()
    {
        using var mount = JournaledMount.Start();
        var file = Path.Combine(mount.MountPoint, "f");
        File.WriteAllText(file, "before");

        using (var reader = File.OpenHandle(file, FileMode.Open, FileAccess.Read))
        {
            Assert.Equal("before", ReadAll(reader));
            using var writer = File.OpenHandle(file, FileMode.Open, FileAccess.ReadWrite);
            RandomAccess.Write(writer, "AFTER!"u8, 0);
            Assert.Equal("AFTER!", ReadAll(reader));
            Assert.Equal("AFTER!", ReadAll(writer));
        }

        AssertReplayEqualsBacking(mount);
    }

    [Fact]
    public void A_read_only_open_beside_a_writable_one_sees_its_writes_and_they_are_journaled()
    {
        using var mount = JournaledMount.Start();
        var file = Path.Combine(mount.MountPoint, "f");
        File.WriteAllText(file, "before");

        using (var writer = File.OpenHandle(file, FileMode.Open, FileAccess.ReadWrite))
        {
            using var reader = File.OpenHandle(file, FileMode.Open, FileAccess.Read);
            RandomAccess.Write(writer, "middle"u8, 0);
            Assert.Equal("middle", ReadAll(reader));
            using var secondReader = File.OpenHandle(file, FileMode.Open, FileAccess.Read);
            RandomAccess.Write(writer, "latest"u8, 0);
            Assert.Equal("latest", ReadAll(secondReader));
        }

        AssertReplayEqualsBacking(mount);
    }

    [Fact]
    public void A_shared_mapping_written_while_another_process_holds_the_file_read_only_is_journaled()
    {
        using var mount = JournaledMount.Start();
        var file = Path.Combine(mount.MountPoint, "f");
        File.WriteAllBytes(file, new byte[200_000]);

        using (var holder = HoldOpen(file))
        {
            using var writer = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            using (var map = MemoryMappedFile.CreateFromFile(writer, null, 0, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true))
            using (var view = map.CreateViewAccessor())
            {
                view.WriteArray(5, "mapped"u8.ToArray(), 0, 6);
                view.WriteArray(150_000, "far"u8.ToArray(), 0, 3);
                view.Flush();
            }
            using var reader = File.OpenHandle(file, FileMode.Open, FileAccess.Read);
            var seen = new byte[6];
            RandomAccess.Read(reader, seen, 5);
            Assert.Equal("mapped", Encoding.ASCII.GetString(seen));
            writer.Flush(flushToDisk: true);
        }

        AssertReplayEqualsBacking(mount);
    }

    [Fact]
    public void A_hole_punched_through_a_writable_open_beside_a_read_only_one_stays_a_hole_in_the_replay()
    {
        using var mount = FallocatedBesideAReadOnlyOpen((LibCConstants.FallocPunchHole | LibCConstants.FallocKeepSize), 64 * 1024, 128 * 1024);

        AssertReplayEqualsBacking(mount);
    }

    [Fact]
    public void A_range_allocated_through_a_writable_open_beside_a_read_only_one_stays_unwritten_in_the_replay()
    {
        using var mount = FallocatedBesideAReadOnlyOpen(0, 512 * 1024, 128 * 1024);

        AssertReplayEqualsBacking(mount);
        Assert.Equal(Extents(Path.Combine(mount.Backing, "f")), Extents(Path.Combine(mount.Root, "replay", "f")));
    }

    [Fact]
    public void A_file_mapped_shared_through_a_writable_open_opens_read_only_and_reads_the_mapped_bytes()
    {
        using var mount = JournaledMount.Start();
        var file = Path.Combine(mount.MountPoint, "f");
        File.WriteAllBytes(file, new byte[8192]);

        using (var writer = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        using (var map = MemoryMappedFile.CreateFromFile(writer, null, 0, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true))
        using (var view = map.CreateViewAccessor())
        {
            view.WriteArray(10, "through the page cache"u8.ToArray(), 0, 22);
            using var reader = File.OpenHandle(file, FileMode.Open, FileAccess.Read);
            var seen = new byte[22];
            RandomAccess.Read(reader, seen, 10);
            Assert.Equal("through the page cache", Encoding.ASCII.GetString(seen));
        }

        AssertReplayEqualsBacking(mount);
    }

    [Fact]
    public void A_shared_mapping_that_outlives_its_descriptor_is_journaled_by_the_unmount()
    {
        using var mount = JournaledMount.Start();
        var file = Path.Combine(mount.MountPoint, "f");
        File.WriteAllBytes(file, new byte[4096]);

        using (var reader = File.OpenHandle(file, FileMode.Open, FileAccess.Read))
        {
            MemoryMappedFile map;
            using (var writer = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
                map = MemoryMappedFile.CreateFromFile(writer, null, 0, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
            using (map)
            using (var view = map.CreateViewAccessor())
                view.WriteArray(100, "after close"u8.ToArray(), 0, 11);
        }

        AssertReplayEqualsBacking(mount);
        Assert.Equal("after close", File.ReadAllText(Path.Combine(mount.Backing, "f")).Substring(100, 11));
    }

    [Fact]
    public async Task Writers_beside_readers_from_many_threads_while_processes_come_and_go_replay_equal()
    {
        using var mount = JournaledMount.Start();
        using var churn = new CancellationTokenSource();
        var processes = Task.Run(() =>
        {
            // Short-lived processes make /proc change while the daemon reads it for mappings.
            while (!churn.IsCancellationRequested)
                Process.Start("true")!.WaitForExit();
        });
        Parallel.For(0, 4, worker =>
        {
            var random = new Random(worker);
            for (var i = 0; i < 30; i++)
            {
                var file = Path.Combine(mount.MountPoint, $"f{worker}_{i % 3}");
                File.AppendAllText(file, "");
                using (File.OpenHandle(file, FileMode.Open, FileAccess.Read))
                using (File.OpenHandle(file, FileMode.Open, FileAccess.Write))
                {
                }
                for (var j = 0; j < 3; j++)
                {
                    using var writer = File.OpenHandle(file, FileMode.Open, FileAccess.Write);
                    var bytes = new byte[30_000];
                    random.NextBytes(bytes);
                    RandomAccess.Write(writer, bytes, (i * 3 + j) * 7919 % 300_000);
                }
            }
        });
        await churn.CancelAsync();
        await processes;

        AssertReplayEqualsBacking(mount);
        Assert.DoesNotContain("EIO", mount.Log);
    }

    /// <summary>A journaled mount whose 256 KiB file "f" got a fallocate through a writable open while another open read it.</summary>
    private static JournaledMount FallocatedBesideAReadOnlyOpen(int mode, long offset, long length)
    {
        var mount = JournaledMount.Start();
        try
        {
            var file = Path.Combine(mount.MountPoint, "f");
            File.WriteAllBytes(file, Enumerable.Repeat((byte)7, 256 * 1024).ToArray());
            using (File.OpenHandle(file, FileMode.Open, FileAccess.Read))
            {
                var writer = Sys.Open(file, LibCConstants.ORdWr, 0);
                Assert.True(writer >= 0);
                Assert.Equal(0, LibC.FAllocate(writer, mode, offset, length));
                Assert.Equal(0, LibC.Close(writer));
            }
            return mount;
        }
        catch
        {
            mount.Dispose();
            throw;
        }
    }

    private static void AssertReplayEqualsBacking(JournaledMount mount)
    {
        mount.Unmount();
        Replay.AssertEqualsBacking(mount);
    }

    private static List<Passthrough.FileExtent> Extents(string path)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        return Passthrough.FileExtents.In((int)file.DangerousGetHandle(), 0, long.MaxValue)!;
    }

    private static string ReadAll(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        var buffer = new byte[64];
        var read = RandomAccess.Read(handle, buffer, 0);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    /// <summary>Another process holding <paramref name="file"/> open read-only until disposed.</summary>
    private static ProcessHold HoldOpen(string file)
    {
        var holder = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "exec 3<\"$1\"; exec cat >/dev/null", "holder", file])
        {
            RedirectStandardInput = true,
        })!;
        var deadline = DateTime.UtcNow + JournaledMount.Patience;
        while (!HoldsOpen(holder.Id, file))
        {
            Assert.True(DateTime.UtcNow < deadline && !holder.HasExited, $"the holder never opened {file}");
            Thread.Yield();
        }
        return new ProcessHold(holder);
    }

    private static bool HoldsOpen(int pid, string file)
    {
        try
        {
            return Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd")
                .Any(fd => new FileInfo(fd).LinkTarget == file);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private sealed class ProcessHold(Process process) : IDisposable
    {
        public void Dispose()
        {
            process.StandardInput.Close();
            process.WaitForExit();
            process.Dispose();
        }
    }
}
