using System.Diagnostics;

namespace Vellum.Recording.Tests;

/// <summary>
/// A journal disk that runs out of space at writeback, as a thin or overcommitted disk does:
/// ext4 (no journal, errors=continue) on a loop device whose image is a sparse file on a
/// small tmpfs. ext4 believes it has room, so pwrite succeeds; the loop device's writes
/// fail once the tmpfs is full, and fdatasync returns ENOSPC. <see cref="Fill"/> takes the
/// tmpfs's room away, <see cref="MakeRoom"/> gives it back. Dispose unmounts and detaches
/// everything, also after a failed test.
/// </summary>
internal sealed class LoopJournalDisk : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vellum-loop-disk-").FullName;
    private readonly string _backing;
    private string? _loop;

    public LoopJournalDisk()
    {
        _backing = Directory.CreateDirectory(Path.Combine(_root, "tmpfs")).FullName;
        MountPoint = Directory.CreateDirectory(Path.Combine(_root, "ext4")).FullName;
        try
        {
            Run("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", _backing);
            var image = Path.Combine(_backing, "image");
            Run("truncate", "-s", "512m", image);
            _loop = Run("losetup", "-f", "--show", image).Trim();
            Run("mkfs.ext4", "-q", "-O", "^has_journal", _loop);
            Run("mount", "-o", "errors=continue", _loop, MountPoint);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string MountPoint { get; }

    private string Filler => Path.Combine(_backing, "filler");

    /// <summary>Leaves the image's tmpfs about <paramref name="bytesLeft"/> bytes to grow by.</summary>
    public void Fill(long bytesLeft)
    {
        var free = new DriveInfo(_backing).AvailableFreeSpace;
        using var filler = new FileStream(Filler, FileMode.Create, FileAccess.Write);
        var chunk = new byte[1 << 20];
        Array.Fill(chunk, (byte)1);
        for (var left = free - bytesLeft; left > 0; left -= chunk.Length)
            filler.Write(chunk, 0, (int)Math.Min(chunk.Length, left));
    }

    public void MakeRoom() => File.Delete(Filler);

    public void Dispose()
    {
        if (MountInfoAt(MountPoint))
            Run("umount", MountPoint);
        if (_loop is not null)
            Run("losetup", "-d", _loop);
        if (MountInfoAt(_backing))
            Run("umount", _backing);
        Directory.Delete(_root, recursive: true);
    }

    private static bool MountInfoAt(string path) => Fuse.MountInfo.FileSystemTypeAt(path) is not null;

    private static string Run(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({process.ExitCode}): {error}");
        return output;
    }
}
