using System.Globalization;

namespace Vellum.Passthrough.Interop;

/// <summary>
/// "/proc/self/fd/N": the way to reach the inode behind an O_PATH descriptor with calls
/// that take no descriptor (xattrs, chmod) or to reopen it with real access.
/// </summary>
internal static class ProcFdPath
{
    public const int BufferSize = 32;

    private static ReadOnlySpan<byte> Prefix => "/proc/self/fd/"u8;

    /// <summary>Writes the NUL-terminated path into <paramref name="buffer"/> (at least <see cref="BufferSize"/> bytes).</summary>
    public static void Format(int fd, Span<byte> buffer)
    {
        Prefix.CopyTo(buffer);
        if (!fd.TryFormat(buffer[Prefix.Length..], out var written, default, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException($"descriptor {fd} does not fit a /proc path buffer");
        }
        buffer[Prefix.Length + written] = 0;
    }
}
