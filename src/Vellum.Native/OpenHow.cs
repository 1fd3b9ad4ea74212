using System.Runtime.InteropServices;

namespace Vellum.Native;

/// <summary>struct open_how, the argument of openat2(2).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct OpenHow
{
    public ulong Flags;
    public ulong Mode;
    public ulong Resolve;
}
