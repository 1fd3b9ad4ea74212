using System.Buffers.Binary;

namespace Vellum.Journal.Format;

/// <summary>A point in time as Linux keeps it: seconds since the epoch and nanoseconds.</summary>
public readonly record struct JournalTimestamp(long Seconds, uint Nanoseconds)
{
    public const int Size = 12;

    public static JournalTimestamp Now()
    {
        var ticks = DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks;
        return new JournalTimestamp(ticks / TimeSpan.TicksPerSecond, (uint)(ticks % TimeSpan.TicksPerSecond * 100));
    }

    public static JournalTimestamp Parse(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadInt64LittleEndian(source),
        BinaryPrimitives.ReadUInt32LittleEndian(source[8..]));

    public void Format(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, Seconds);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Nanoseconds);
    }

    public bool IsValid => Nanoseconds < 1_000_000_000;

    public DateTimeOffset ToDateTimeOffset() =>
        DateTimeOffset.UnixEpoch.AddTicks(Seconds * TimeSpan.TicksPerSecond + Nanoseconds / 100);

    public override string ToString() => IsValid && Seconds is > -62135596800 and < 253402300800
        ? ToDateTimeOffset().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture)
        : $"{Seconds}.{Nanoseconds:D9}";
}
