namespace Vellum.Passthrough.Interop;

/// <summary>Linux flag values (identical on x86-64 and arm64, the targets Vellum runs on).</summary>
internal static class LibCConstants
{
    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const int AtRemoveDir = 0x200;
    public const int AtSymlinkFollow = 0x400;
    public const int AtEmptyPath = 0x1000;

    public const int SeekData = 3;
    public const int SeekHole = 4;
    public const int FallocKeepSize = 0x01;
    public const int FallocPunchHole = 0x02;
    public const int FallocZeroRange = 0x10;

    public const int ORdOnly = 0;
    public const int OWrOnly = 1;
    public const int ORdWr = 2;
    public const int OAccessMode = 3;
    public const int OCreat = 0x40;
    public const int OExcl = 0x80;
    public const int ONoCtty = 0x100;
    public const int OTrunc = 0x200;
    public const int OAppend = 0x400;
    public const int ODirect = 0x4000;
    public const int ODirectory = 0x10000;
    public const int ONoFollow = 0x20000;
    public const int OCloExec = 0x80000;
    public const int OPath = 0x200000;

    public const uint SIfMt = 0xF000;
    public const uint SIfDir = 0x4000;
    public const uint SIfReg = 0x8000;
    public const uint SIfLnk = 0xA000;
    public const uint SISuid = 0x800;
    public const uint SISgid = 0x400;
    public const uint SIxGrp = 0x8;
    public const uint PermissionBits = 0xFFF;

    public const uint StatxBasicStats = 0x7FF;
    public const uint StatxMtime = 0x40;
    public const uint StatxCtime = 0x80;

    public const int ClockRealtime = 0;

    public const long UtimeNow = (1L << 30) - 1;
    public const long UtimeOmit = (1L << 30) - 2;

    public const int SeekSet = 0;

    public const int RLimitNoFile = 7;

    /// <summary>MAX_HANDLE_SZ: the largest f_handle any filesystem encodes.</summary>
    public const int MaxHandleSize = 128;
}
