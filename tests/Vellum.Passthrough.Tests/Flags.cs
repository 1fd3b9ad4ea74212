namespace Vellum.Passthrough.Tests;

/// <summary>Linux open, fallocate and lseek values the tests pass.</summary>
internal static class Flags
{
    public const int ORdOnly = 0;
    public const int OWrOnly = 1;
    public const int ORdWr = 2;
    public const int OExcl = 0x80;
    public const int OTrunc = 0x200;
    public const int OAppend = 0x400;

    public const int FallocKeepSize = 0x01;
    public const int FallocPunchHole = 0x02;
    public const int FallocZeroRange = 0x10;

    public const int SeekData = 3;
    public const int SeekHole = 4;

    public const uint SIfIfo = 0x1000;
    public const uint SIfChr = 0x2000;
    public const uint SIfSock = 0xC000;
    public const uint SIfReg = 0x8000;
    public const uint SIfDir = 0x4000;
    public const uint SIsgid = 0x400;
}
