using System.Text;
using Vellum.Native;
using Vellum.Passthrough.Interop;

namespace Vellum.Passthrough.Tests;

/// <summary>Plain syscalls by path, for the reference side of a comparison.</summary>
internal static unsafe class Posix
{
    public static NodeStat Lstat(string path)
    {
        var fd = Open(path, LibCConstants.OPath | LibCConstants.ONoFollow);
        try
        {
            Assert.Equal(Errno.Success, BackingStat.Of(fd, out var stat));
            return stat;
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    public static int Open(string path, int flags, uint mode = 0)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            var fd = LibC.OpenAt(LibCConstants.AtFdCwd, p, flags | LibCConstants.OCloExec, mode);
            Assert.True(fd >= 0, $"open {path}: {LibC.LastError()}");
            return fd;
        }
    }

    public static void Mknod(string path, uint mode, uint rdev)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            Assert.Equal(0, LibC.MknodAt(LibCConstants.AtFdCwd, p, mode, rdev));
        }
    }

    public static void Chown(string path, uint uid, uint gid)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            Assert.Equal(0, LibC.FChownAt(LibCConstants.AtFdCwd, p, uid, gid, LibCConstants.AtSymlinkNoFollow));
        }
    }

    public static void Chmod(string path, uint mode)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            Assert.Equal(0, LibC.Chmod(p, mode));
        }
    }

    /// <summary>This process's descriptors on <paramref name="directory"/> or anything in it (other threads of the test host open and close their own meanwhile).</summary>
    public static int DescriptorsUnder(string directory)
    {
        var count = 0;
        foreach (var link in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            var target = new FileInfo(link).LinkTarget;
            if (target is not null && (target == directory || target.StartsWith(directory + "/", StringComparison.Ordinal)))
            {
                count++;
            }
        }
        return count;
    }
}
