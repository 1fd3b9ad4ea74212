using System.Globalization;
using Vellum.Native;

namespace Vellum.Recording.Binding;

/// <summary>
/// Which directory a backing directory is, whatever path reaches it (a symlink, a bind mount, a
/// relative path): the device of its filesystem and its inode number.
/// </summary>
public readonly record struct BackingIdentity(uint DeviceMajor, uint DeviceMinor, ulong Inode)
{
    /// <summary>The identity of the directory <paramref name="path"/> leads to (symlinks followed).</summary>
    /// <exception cref="SystemCallException">It cannot be looked at.</exception>
    public static unsafe BackingIdentity Of(string path)
    {
        StatxBuffer buffer;
        if (LibC.Statx(LibCConstants.AtFdCwd, path, 0, LibCConstants.StatxBasicStats, &buffer) != 0)
            throw new SystemCallException("statx", path, LibC.LastError());
        return new BackingIdentity(buffer.DevMajor, buffer.DevMinor, buffer.Ino);
    }

    /// <summary>The identity of <paramref name="path"/>, or null when nothing is there.</summary>
    public static BackingIdentity? At(string path)
    {
        try
        {
            return Of(path);
        }
        catch (SystemCallException)
        {
            return null;
        }
    }

    /// <summary>
    /// The same inode on a device numbered otherwise: the same directory after a reboot
    /// renumbered its disk or logical volume, or the root of another filesystem (roots share
    /// their inode number), so it counts only together with the directory's own mark.
    /// </summary>
    public bool SameInodeAs(BackingIdentity other) => Inode == other.Inode;

    /// <summary>"8:1" as in /proc/self/mountinfo.</summary>
    public string Device => $"{DeviceMajor}:{DeviceMinor}";

    /// <summary>A file name for this identity, such as "8-1-1234".</summary>
    public string Key => $"{DeviceMajor}-{DeviceMinor}-{Inode}";

    public override string ToString() => $"device {Device}, inode {Inode}";

    /// <summary>Reads <see cref="Device"/> and an inode number back; null when malformed.</summary>
    public static BackingIdentity? Parse(string? device, string? inode)
    {
        var parts = device?.Split(':');
        return parts is [var major, var minor]
            && uint.TryParse(major, NumberStyles.None, CultureInfo.InvariantCulture, out var ma)
            && uint.TryParse(minor, NumberStyles.None, CultureInfo.InvariantCulture, out var mi)
            && ulong.TryParse(inode, NumberStyles.None, CultureInfo.InvariantCulture, out var ino)
            ? new BackingIdentity(ma, mi, ino)
            : null;
    }
}
