using Vellum.Native;

namespace Vellum.Passthrough.Interop;

/// <summary>
/// Turns caller-supplied bytes into NUL-terminated strings in a caller-provided (usually
/// stack) buffer, refusing what could escape the parent directory.
/// </summary>
internal static class NativeName
{
    /// <summary>NAME_MAX: the longest single path component.</summary>
    public const int MaxName = 255;

    /// <summary>PATH_MAX, including the terminating NUL.</summary>
    public const int MaxPath = 4096;

    /// <summary>Buffer size for <see cref="Component"/>.</summary>
    public const int ComponentBufferSize = MaxName + 1;

    /// <summary>
    /// A single directory entry name. A '/' or NUL inside it, or "." / "..", would address
    /// something other than an entry of the parent, so they are refused as EINVAL.
    /// </summary>
    public static Errno Component(ReadOnlySpan<byte> name, Span<byte> buffer)
    {
        if (name.Length == 0)
        {
            return Errno.ENOENT;
        }
        if (name.Length > MaxName)
        {
            return Errno.ENAMETOOLONG;
        }
        if (name.IndexOfAny((byte)'/', (byte)0) >= 0 || IsDotOrDotDot(name))
        {
            return Errno.EINVAL;
        }
        name.CopyTo(buffer);
        buffer[name.Length] = 0;
        return Errno.Success;
    }

    /// <summary>A free-form byte string such as a symlink target or an xattr name.</summary>
    public static Errno Text(ReadOnlySpan<byte> text, Span<byte> buffer)
    {
        if (text.Length >= buffer.Length)
        {
            return Errno.ENAMETOOLONG;
        }
        if (text.IndexOf((byte)0) >= 0)
        {
            return Errno.EINVAL;
        }
        text.CopyTo(buffer);
        buffer[text.Length] = 0;
        return Errno.Success;
    }

    public static bool IsDotOrDotDot(ReadOnlySpan<byte> name) =>
        (name.Length == 1 && name[0] == (byte)'.') || (name.Length == 2 && name[0] == (byte)'.' && name[1] == (byte)'.');
}
