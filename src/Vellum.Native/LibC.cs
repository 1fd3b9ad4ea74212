using System.Runtime.InteropServices;
using System.Text;

namespace Vellum.Native;

/// <summary>
/// Every libc call of Vellum, each imported once, grouped by concept in the LibC.*.cs files.
/// Each import sets errno for <see cref="LastError"/> (those that return their error say so).
/// Paths are NUL-terminated bytes (Linux names need not be UTF-8), so a path parameter is a raw
/// pointer; a string overload, where one exists, encodes the string as UTF-8 for callers that
/// are not on a hot path (mounting, tests, opening a store).
/// </summary>
public static unsafe partial class LibC
{
    private const string Library = "libc";

    /// <summary>The errno of the last failed call.</summary>
    public static Errno LastError() => (Errno)Marshal.GetLastPInvokeError();

    /// <summary>The descriptor of <paramref name="handle"/>, kept open until the lease is disposed.</summary>
    public static DescriptorLease Borrow(SafeHandle handle) => new(handle);

    /// <summary><paramref name="text"/> as UTF-8 with a terminating NUL, for the string overloads.</summary>
    private static byte[] NulTerminated(string text)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }
}
