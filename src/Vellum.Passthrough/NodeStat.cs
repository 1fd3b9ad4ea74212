namespace Vellum.Passthrough;

/// <summary>
/// The attributes of a backing inode. <see cref="Rdev"/> uses the kernel's 32-bit device
/// encoding (major &lt;&lt; 8 with the minor split around it), which is what FUSE carries.
/// </summary>
public readonly record struct NodeStat(
    ulong Dev,
    ulong Ino,
    uint Mode,
    uint Nlink,
    uint Uid,
    uint Gid,
    uint Rdev,
    ulong Size,
    ulong Blocks,
    uint BlockSize,
    Timestamp Atime,
    Timestamp Mtime,
    Timestamp Ctime)
{
    public bool IsDirectory => (Mode & 0xF000) == 0x4000;

    public bool IsSymlink => (Mode & 0xF000) == 0xA000;
}
