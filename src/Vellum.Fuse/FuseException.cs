using System.Runtime.InteropServices;

namespace Vellum.Fuse;

/// <summary>A failure while setting up or tearing down a mount, with the errno behind it (0 when none).</summary>
public sealed class FuseException : Exception
{
    public FuseException(string message, int errno = 0)
        : base(message)
    {
        Errno = errno;
    }

    public FuseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Errno { get; }

    /// <summary>"what: strerror(errno)" for the errno of the last P/Invoke.</summary>
    internal static FuseException FromLastError(string what)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new FuseException($"{what}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }
}
