using System.Runtime.InteropServices;

namespace Vellum.Native;

/// <summary>Advisory locks: flock(2), held by an open file description and gone with the last descriptor of it (so with a killed process).</summary>
public static partial class LibC
{
    [LibraryImport(Library, EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);
}

/// <summary>flock(2) operations.</summary>
public static partial class LibCConstants
{
    public const int LockShared = 1;
    public const int LockExclusive = 2;
    public const int LockNonBlocking = 4;
    public const int LockUnlock = 8;
}
