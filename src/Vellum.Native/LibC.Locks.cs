using System.Runtime.InteropServices;

namespace Vellum.Native;

/// <summary>
/// Advisory whole-file locks: a flock(2) lock belongs to the open file description, so the
/// kernel releases it when the last descriptor closes, however the process ends (kill -9 too).
/// </summary>
public static partial class LibC
{
    [LibraryImport(Library, EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);
}

/// <summary>flock(2) operations.</summary>
public static partial class LibCConstants
{
    public const int LockExclusive = 2;
    public const int LockNonBlocking = 4;
}
