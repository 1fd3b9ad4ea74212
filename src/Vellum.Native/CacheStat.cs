using System.Runtime.InteropServices;

namespace Vellum.Native;

/// <summary>struct cachestat_range: the byte range of a file cachestat(2) looks at (length 0: to the end).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct CacheStatRange
{
    public ulong Offset;
    public ulong Length;
}

/// <summary>struct cachestat: the range's pages in the page cache, in pages.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct CacheStat
{
    public ulong Cache;
    public ulong Dirty;
    public ulong Writeback;
    public ulong Evicted;
    public ulong RecentlyEvicted;
}
