namespace Vellum.Native;

/// <summary>
/// A call that failed, as a reader can act on it: the call, what it was made on (a path, a
/// descriptor's file) and the errno by name and text, e.g.
/// "fsync /srv/journal: Input/output error (EIO)".
/// </summary>
public class SystemCallException : IOException
{
    public SystemCallException(string call, string target, Errno errno)
        : base($"{call} {target}: {errno.Text} ({errno.Name})")
    {
        Call = call;
        Target = target;
        Errno = errno;
    }

    public SystemCallException()
    {
        Call = "";
        Target = "";
    }

    public SystemCallException(string message)
        : base(message)
    {
        Call = "";
        Target = "";
    }

    public SystemCallException(string message, Exception innerException)
        : base(message, innerException)
    {
        Call = "";
        Target = "";
    }

    public string Call { get; }

    /// <summary>The path or object the call was made on.</summary>
    public string Target { get; }

    public Errno Errno { get; }

    /// <summary>The failure of the last call, for <c>throw SystemCallException.Last("open", path)</c>.</summary>
    public static SystemCallException Last(string call, string target) => new(call, target, LibC.LastError());
}
