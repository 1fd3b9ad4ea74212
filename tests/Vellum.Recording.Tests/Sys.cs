using Vellum.Native;

namespace Vellum.Recording.Tests;

/// <summary>How the workloads open and write files on a mount; each answers as the syscall does (-1 or false on failure).</summary>
internal static class Sys
{
    /// <summary>
    /// open(2), always with O_CLOEXEC (a daemon another test starts meanwhile must not inherit
    /// a descriptor into this test's mount, which would keep it busy) and O_NONBLOCK (a FIFO
    /// the workload renamed onto a file name must not block an open).
    /// </summary>
    public static int Open(string path, int flags, uint mode) => LibC.Open(path, flags | LibCConstants.OCloExec | LibCConstants.ONonBlock, mode);

    /// <summary>Writes all of <paramref name="data"/> at <paramref name="offset"/> of <paramref name="path"/> (created if missing) and optionally fsyncs; false on any failure.</summary>
    public static bool WriteAt(string path, long offset, byte[] data, bool fsync = false, int extraFlags = 0)
    {
        var fd = Open(path, LibCConstants.OWrOnly | LibCConstants.OCreat | extraFlags, 0x1A4);
        if (fd < 0)
            return false;
        try
        {
            return LibC.PWrite(fd, data, offset) == data.Length && (!fsync || LibC.FSync(fd) == 0);
        }
        finally
        {
            LibC.Close(fd);
        }
    }
}
