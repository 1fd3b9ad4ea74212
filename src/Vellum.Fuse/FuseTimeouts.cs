namespace Vellum.Fuse;

/// <summary>Entry and attribute cache timeouts as the protocol carries them: seconds and nanoseconds.</summary>
internal readonly struct FuseTimeouts
{
    public FuseTimeouts(TimeSpan entry, TimeSpan attr)
    {
        Entry = Split(entry);
        Attr = Split(attr);
    }

    public (long Seconds, uint Nanoseconds) Entry { get; }
    public (long Seconds, uint Nanoseconds) Attr { get; }

    private static (long, uint) Split(TimeSpan value)
    {
        var ticks = Math.Max(0, value.Ticks);
        return (ticks / TimeSpan.TicksPerSecond, (uint)(ticks % TimeSpan.TicksPerSecond * 100));
    }
}
