using System.Runtime.Versioning;

// Linux syscalls (O_PATH, statx, renameat2, getdents64) throughout.
[assembly: SupportedOSPlatform("linux")]
