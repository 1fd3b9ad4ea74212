using System.Globalization;
using Vellum.Journal.Format;
using Vellum.Native;

namespace Vellum.Recording;

/// <summary>
/// The command name (/proc/PID/comm) of the processes that make changes, for the COMM of
/// their CRED: `vellum history` answers "who changed it" with a program, not only a pid. The
/// caller is alive while its request is answered (it waits in the syscall), so its name is
/// there. Each recorder thread keeps /proc/PID/comm open for the pids it met, and reads it
/// again for every change: a shell's child that opened a file as `bash` and then became
/// `cat` by exec is named `cat` for its writes. A descriptor of a process that exited reads
/// nothing (its pid is not followed to a new process that reuses the number), and is opened
/// afresh. Not thread-safe: one per <see cref="RecorderThread"/>.
/// </summary>
internal sealed class ProcessCommandNames : IDisposable
{
    private const int MaxOpen = 64;

    private readonly Dictionary<uint, int> _open = [];

    /// <summary>Writes the command name of <paramref name="pid"/> into <paramref name="name"/> (16 bytes) and returns its length; 0 for pid 0 (the kernel writing back on nobody's behalf) or a process gone.</summary>
    public int Read(uint pid, Span<byte> name)
    {
        if (pid == 0)
            return 0;
        if (_open.TryGetValue(pid, out var fd))
        {
            if (ReadFrom(fd, name) is var known and > 0)
                return known;
            LibC.Close(fd);
            _open.Remove(pid);
        }
        if (_open.Count >= MaxOpen)
            CloseAll();
        fd = LibC.Open(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/comm"), LibCConstants.ORdOnly | LibCConstants.OCloExec);
        if (fd < 0)
            return 0;
        if (ReadFrom(fd, name) is var length and > 0)
        {
            _open[pid] = fd;
            return length;
        }
        LibC.Close(fd);
        return 0;
    }

    public void Dispose() => CloseAll();

    private static int ReadFrom(int fd, Span<byte> name)
    {
        Span<byte> comm = stackalloc byte[JournalLimits.MaxCommLength + 1];
        var read = (int)LibC.PRead(fd, comm, 0);
        if (read <= 0)
            return 0;
        var length = comm[..read].IndexOf((byte)'\n') is var end and >= 0 ? end : read;
        length = Math.Min(length, name.Length);
        comm[..length].CopyTo(name);
        return length;
    }

    private void CloseAll()
    {
        foreach (var fd in _open.Values)
            LibC.Close(fd);
        _open.Clear();
    }
}
