namespace Vellum.Passthrough;

/// <summary>
/// Which fields a setattr changes. The values are FUSE's FATTR_* bits, so the protocol's
/// valid mask converts by a cast. A time without its *Now bit and without its own bit is
/// left alone (UTIME_OMIT); <see cref="Ctime"/> is accepted and ignored because the backing
/// kernel sets ctime itself on every change.
/// </summary>
[Flags]
public enum SetAttrFields : uint
{
    None = 0,
    Mode = 1 << 0,
    Uid = 1 << 1,
    Gid = 1 << 2,
    Size = 1 << 3,
    Atime = 1 << 4,
    Mtime = 1 << 5,
    Handle = 1 << 6,
    AtimeNow = 1 << 7,
    MtimeNow = 1 << 8,
    Ctime = 1 << 10,
}
