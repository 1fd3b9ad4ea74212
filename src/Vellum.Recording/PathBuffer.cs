using Vellum.Journal.Format;
using Vellum.Passthrough;

namespace Vellum.Recording;

/// <summary>
/// A journal path being built: room for the usual path (what the kernel gives for a
/// descriptor, PATH_MAX) allocated once, grown up to the format's limit only for a path
/// deeper than that, and given back when the next path is short again.
/// </summary>
internal sealed class PathBuffer
{
    /// <summary>What <see cref="BackingInspection.PathOf"/> needs, and a name to append.</summary>
    private const int UsualSize = BackingInspection.PathBufferSize + 256;

    private readonly byte[] _usual = new byte[UsualSize];

    public PathBuffer() => Bytes = _usual;

    /// <summary>The whole buffer: the path is its first <see cref="Length"/> bytes.</summary>
    public byte[] Bytes { get; private set; }

    public int Length { get; set; }

    public ReadOnlySpan<byte> Path => Bytes.AsSpan(0, Length);

    /// <summary>Empties the buffer, back to its usual size.</summary>
    public void Clear()
    {
        Length = 0;
        Bytes = _usual;
    }

    /// <summary>Appends <paramref name="bytes"/>; false, with nothing appended, past the format's limit.</summary>
    public bool Append(ReadOnlySpan<byte> bytes)
    {
        var length = Length + bytes.Length;
        if (length > JournalLimits.MaxPathLength)
            return false;
        if (length > Bytes.Length)
        {
            var grown = new byte[Math.Min(JournalLimits.MaxPathLength, Math.Max(length, 2 * Bytes.Length))];
            Path.CopyTo(grown);
            Bytes = grown;
        }
        bytes.CopyTo(Bytes.AsSpan(Length));
        Length = length;
        return true;
    }
}
