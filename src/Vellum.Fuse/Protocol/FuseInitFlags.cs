namespace Vellum.Fuse.Protocol;

/// <summary>
/// INIT flags: bits 0-31 travel in <c>flags</c>, bits 32-63 in <c>flags2</c> (only when
/// <see cref="InitExt"/> is set). Values from <c>include/uapi/linux/fuse.h</c> (7.45).
/// </summary>
[Flags]
internal enum FuseInitFlags : ulong
{
    None = 0,
    AsyncRead = 1UL << 0,
    AtomicOTrunc = 1UL << 3,
    BigWrites = 1UL << 5,
    DontMask = 1UL << 6,
    DoReaddirplus = 1UL << 13,
    ReaddirplusAuto = 1UL << 14,
    AsyncDio = 1UL << 15,
    WritebackCache = 1UL << 16,
    ParallelDirops = 1UL << 18,
    PosixAcl = 1UL << 20,
    MaxPages = 1UL << 22,
    HandleKillprivV2 = 1UL << 28,
    SetxattrExt = 1UL << 29,
    InitExt = 1UL << 30,
    DirectIoAllowMmap = 1UL << 36,
    Passthrough = 1UL << 37,
}
