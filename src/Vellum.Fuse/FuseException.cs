using Vellum.Native;

namespace Vellum.Fuse;

/// <summary>A failure while setting up or tearing down a mount, with the errno behind it (<see cref="Errno.Success"/> when none).</summary>
public sealed class FuseException : Exception
{
    public FuseException(string message, Errno errno = Errno.Success)
        : base(message)
    {
        Errno = errno;
    }

    public FuseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public Errno Errno { get; }

    /// <summary>"what: strerror(errno)" for the errno of the last P/Invoke.</summary>
    internal static FuseException FromLastError(string what)
    {
        var errno = LibC.LastError();
        return new FuseException($"{what}: {errno.Text}", errno);
    }
}
